/**
 * The capture page's words, in English and Norwegian Bokmål (issue 19): the page, its error pages, the problems its
 * script shows, and the script's own messages (given to it in a `data-messages` attribute, never in inline script).
 * The language is the first of the browser's `Accept-Language` the page speaks: `nb`, and `no` and `nn` (a Nynorsk
 * reader reads Bokmål better than English), are Norwegian; everything else is English.
 */
import type { Captures } from "@assure/engine"

/** A language the capture page speaks. */
export type Language = "en" | "nb"

/** The documents the page asks which one the end-user photographs (the engine's two-sided ones need a back). */
export const documents = ["passport", "idCard", "driverLicense", "residencePermit"] as const

/** A document the page asks about. */
export type Document = (typeof documents)[number]

/** What a language says on the capture page. `{name}` in a text is replaced with a value. */
export interface Text {
  readonly title: string
  readonly beforeYouStart: string
  readonly agree: string
  readonly continue: string
  readonly takePhotos: string
  readonly submit: string
  /** `{time}`: when the link stops working. */
  readonly worksUntil: string
  readonly kinds: Readonly<Record<"front" | "back" | "selfie", { readonly title: string; readonly guidance: string }>>
  /** A reviewer asked for photos again: `{what}` the photos, `{reason}` why. */
  readonly retake: { readonly title: string; readonly body: string; readonly why: string }
  /** The question of which document the end-user photographs. */
  readonly whichDocument: string
  /** Each document the page asks for: its name, and how to photograph its front and (two-sided ones) its back. */
  readonly documents: Readonly<
    Record<Document, { readonly name: string; readonly front: string; readonly back?: string | undefined }>
  >
  /** The choice between photos and a provider's own page, with several. */
  readonly choose: {
    readonly title: string
    readonly photos: string
    /** `{provider}`: the provider's name. */
    readonly handOver: string
  }
  /** Going on to a provider's own page (`{provider}`: its name). */
  readonly handOver: { readonly title: string; readonly body: string; readonly go: string }
  readonly cameraPreview: string
  readonly takePhoto: string
  readonly closeCamera: string
  /** `{what}`: the photo's title, in lower case. */
  readonly yourPhoto: string
  readonly useCamera: string
  readonly orUpload: string
  readonly uploaded: string
  readonly handOff: {
    readonly title: string
    readonly qrLabel: string
    readonly body: string
    readonly note: string
  }
  readonly unavailable: Readonly<Record<Captures.CaptureUnavailable["reason"], readonly [string, string]>>
  readonly askAgain: string
  /** The page a capture ends on when the client gave no redirect URL (a retake a reviewer asked for). */
  readonly done: readonly [string, string]
  readonly problems: {
    readonly crossSite: string
    readonly whichPhoto: string
    /** `{max}`: the largest size in MB. */
    readonly tooLarge: string
    readonly tooMany: string
    /** `{reason}`: why the engine refused the file. */
    readonly cannotUse: string
    /** `{min}`: the smallest size, `600×400`. */
    readonly tooSmall: string
    readonly unreadable: string
    readonly chooseOne: string
    /** `{what}`: the missing photo's title, in lower case. */
    readonly missing: string
    readonly notSubmitted: string
    readonly noLongerValid: string
    readonly unavailable: string
    readonly noAnswer: string
    readonly expired: string
    readonly consumed: string
    readonly unknown: string
  }
  /** The page script's messages, by key. */
  readonly script: Readonly<Record<string, string>>
  /** The consent text shown when the operator keeps the default one. */
  readonly defaultConsent: string
}

const en: Text = {
  title: "Verify your identity",
  beforeYouStart: "Before you start",
  agree: "I agree",
  continue: "Continue",
  takePhotos: "Take your photos",
  submit: "Submit",
  worksUntil: "This link works until {time}.",
  kinds: {
    front: {
      title: "Front of your document",
      guidance:
        "Lay your passport, ID card or driving licence on a flat, dark surface in good light. Fit the whole document in the frame, with no glare on it."
    },
    back: { title: "Back of your document", guidance: "Turn the document over and take the back the same way." },
    selfie: {
      title: "A photo of your face",
      guidance: "Face the camera in good light, without glasses or a hat. Keep your whole face in the frame."
    }
  },
  retake: {
    title: "Some photos are needed again",
    body: "Please take these photos again: {what}.",
    why: "The reason given: {reason}"
  },
  whichDocument: "Which document will you photograph?",
  documents: {
    passport: {
      name: "Passport",
      front:
        "Open your passport at the page with your photo and lay it flat on a dark surface in good light. Fit the whole page in the frame, with the two lines of letters and numbers at the bottom, and no glare on it."
    },
    idCard: {
      name: "National ID card",
      front:
        "Lay the card on a dark surface in good light, the side with your photo up. Fit the whole card in the frame, with no glare on it.",
      back: "Turn the card over. Fit the whole back in the frame, with its lines of letters and numbers sharp."
    },
    driverLicense: {
      name: "Driving licence",
      front:
        "Lay the licence on a dark surface in good light, the side with your photo up. Fit the whole licence in the frame, with no glare on it.",
      back: "Turn the licence over and take the back the same way, all of it in the frame."
    },
    residencePermit: {
      name: "Residence permit",
      front:
        "Lay the permit on a dark surface in good light, the side with your photo up. Fit the whole permit in the frame, with no glare on it.",
      back: "Turn the permit over. Fit the whole back in the frame, with its lines of letters and numbers sharp."
    }
  },
  choose: {
    title: "How do you want to verify?",
    photos: "Take photos of your identity document here",
    handOver: "Continue with {provider}"
  },
  handOver: {
    title: "Continue with {provider}",
    body: "You will go to {provider} to verify your identity. When you are done there, you come back to the service that sent you here.",
    go: "Continue to {provider}"
  },
  cameraPreview: "Camera preview",
  takePhoto: "Take photo",
  closeCamera: "Close the camera",
  yourPhoto: "Your photo: {what}",
  useCamera: "Use the camera",
  orUpload: "Or upload a photo",
  uploaded: "Uploaded.",
  handOff: {
    title: "Continue on your phone",
    qrLabel: "QR code of a link that continues on your phone",
    body: "No camera here? Scan this code with your phone's camera to take the photos there. This page follows along, and continues when you submit on your phone.",
    note: "The code works once. To use another phone, reload this page for a new code."
  },
  unavailable: {
    expired: ["This link has expired", "For your security, capture links work for a short time only."],
    consumed: ["This link was already used", "Your photos were submitted with it, and it cannot be used again."],
    handedOff: [
      "This code was already used",
      "A phone has opened it, and it works once. For another phone, reload the page on your computer and scan the new code."
    ],
    unknown: ["This link is not valid", "Check that you opened the whole link you were given."]
  },
  askAgain: "If you still need to verify your identity, ask the service that sent you here for a new link.",
  done: ["Thank you", "What you sent is being checked. You can close this window."],
  problems: {
    crossSite: "This request did not come from the capture page.",
    whichPhoto: "Say which photo this is: front, back or selfie.",
    tooLarge: "This photo is larger than {max} MB. Choose a smaller one.",
    tooMany: "Too many photos were sent with this link. Ask for a new link.",
    cannotUse: "This file cannot be used: {reason}. Choose a JPEG, PNG, WebP or HEIC photo.",
    tooSmall:
      "This photo is too small to read. Come closer, or choose a photo of at least {min} pixels, and try again.",
    unreadable: "This photo cannot be read. Take it again, or choose another one.",
    chooseOne: "Choose how you want to verify.",
    missing: "The {what} image is missing.",
    notSubmitted: "Your photos could not be submitted. Try again.",
    noLongerValid: "This link is no longer valid.",
    unavailable: "The verification service is not available. Try again later.",
    noAnswer: "The verification service did not answer. Try again later.",
    expired: "This link has expired. Ask the service that sent you here for a new one.",
    consumed: "This link was already used.",
    unknown: "This link is not valid."
  },
  script: {
    tickAgree: "Tick “I agree” to continue.",
    chooseOne: "Choose how you want to verify.",
    chooseDocument: "Choose which document you will photograph.",
    leaving: "Opening {provider}…",
    notImage: "This file is not a photo. Choose a JPEG, PNG, WebP or HEIC image.",
    tooLarge: "This photo is larger than {max} MB. Choose a smaller one.",
    uploading: "Uploading…",
    uploaded: "Uploaded.",
    notUploaded: "Not uploaded.",
    uploadFailed: "The photo could not be uploaded. Try again.",
    uploadLost: "The connection was lost while uploading. Check your connection and try again.",
    noCamera: "This browser cannot use the camera here. Upload a photo instead.",
    cameraRefused: "The camera could not be opened (was access refused?). Upload a photo instead.",
    notReady: "The camera is not ready yet. Try again in a moment.",
    notTaken: "The photo could not be taken. Try again, or upload a photo.",
    wait: "Wait until the upload has finished.",
    missing: "Add a photo first: {what}.",
    submit: "Submit",
    submitting: "Submitting…",
    submitFailed: "Your photos could not be submitted. Try again.",
    lost: "The connection was lost. Check your connection and try again.",
    noLongerValid: "This link is no longer valid.",
    phoneProgress: "Your phone has opened the link: {done} of {total} photos uploaded.",
    phoneSubmitted: "Your photos were submitted from your phone."
  },
  defaultConsent:
    "I agree that images of my identity document, and of my face where asked, are sent to verify my identity for the service that sent me here. They are kept only as long as that service's retention rules allow."
}

const nb: Text = {
  title: "Bekreft identiteten din",
  beforeYouStart: "Før du begynner",
  agree: "Jeg godtar",
  continue: "Fortsett",
  takePhotos: "Ta bildene",
  submit: "Send inn",
  worksUntil: "Lenken virker til {time}.",
  kinds: {
    front: {
      title: "Forsiden av dokumentet ditt",
      guidance:
        "Legg passet, ID-kortet eller førerkortet på en flat, mørk flate i godt lys. Få med hele dokumentet i bildet, uten gjenskinn."
    },
    back: { title: "Baksiden av dokumentet ditt", guidance: "Snu dokumentet og ta bilde av baksiden på samme måte." },
    selfie: {
      title: "Et bilde av ansiktet ditt",
      guidance: "Se mot kameraet i godt lys, uten briller eller lue. Få med hele ansiktet i bildet."
    }
  },
  retake: {
    title: "Noen bilder trengs på nytt",
    body: "Ta disse bildene på nytt: {what}.",
    why: "Begrunnelsen: {reason}"
  },
  whichDocument: "Hvilket dokument skal du ta bilde av?",
  documents: {
    passport: {
      name: "Pass",
      front:
        "Åpne passet på siden med bildet ditt, og legg det flatt på en mørk flate i godt lys. Få med hele siden, med de to linjene med bokstaver og tall nederst, uten gjenskinn."
    },
    idCard: {
      name: "Nasjonalt ID-kort",
      front:
        "Legg kortet på en mørk flate i godt lys, med bildesiden opp. Få med hele kortet i bildet, uten gjenskinn.",
      back: "Snu kortet. Få med hele baksiden, og sørg for at linjene med bokstaver og tall er skarpe."
    },
    driverLicense: {
      name: "Førerkort",
      front:
        "Legg førerkortet på en mørk flate i godt lys, med bildesiden opp. Få med hele førerkortet i bildet, uten gjenskinn.",
      back: "Snu førerkortet og ta bilde av baksiden på samme måte, med hele kortet i bildet."
    },
    residencePermit: {
      name: "Oppholdskort",
      front:
        "Legg kortet på en mørk flate i godt lys, med bildesiden opp. Få med hele kortet i bildet, uten gjenskinn.",
      back: "Snu kortet. Få med hele baksiden, og sørg for at linjene med bokstaver og tall er skarpe."
    }
  },
  choose: {
    title: "Hvordan vil du bekrefte identiteten?",
    photos: "Ta bilder av identitetsdokumentet ditt her",
    handOver: "Fortsett med {provider}"
  },
  handOver: {
    title: "Fortsett med {provider}",
    body: "Du går videre til {provider} for å bekrefte identiteten din. Når du er ferdig der, kommer du tilbake til tjenesten som sendte deg hit.",
    go: "Gå videre til {provider}"
  },
  cameraPreview: "Forhåndsvisning fra kameraet",
  takePhoto: "Ta bilde",
  closeCamera: "Lukk kameraet",
  yourPhoto: "Bildet ditt: {what}",
  useCamera: "Bruk kameraet",
  orUpload: "Eller last opp et bilde",
  uploaded: "Lastet opp.",
  handOff: {
    title: "Fortsett på mobilen",
    qrLabel: "QR-kode med en lenke som fortsetter på mobilen",
    body: "Ikke noe kamera her? Skann koden med kameraet på mobilen for å ta bildene der. Denne siden følger med, og går videre når du sender inn på mobilen.",
    note: "Koden virker én gang. Vil du bruke en annen mobil, laster du inn denne siden på nytt for å få en ny kode."
  },
  unavailable: {
    expired: ["Lenken er utløpt", "Av sikkerhetshensyn virker lenkene bare en kort stund."],
    consumed: ["Lenken er allerede brukt", "Bildene dine ble sendt inn med den, og den kan ikke brukes igjen."],
    handedOff: [
      "Koden er allerede brukt",
      "En mobil har åpnet den, og den virker bare én gang. Vil du bruke en annen mobil, laster du inn siden på datamaskinen på nytt og skanner den nye koden."
    ],
    unknown: ["Lenken er ikke gyldig", "Sjekk at du åpnet hele lenken du fikk."]
  },
  askAgain: "Hvis du fortsatt må bekrefte identiteten din, ber du tjenesten som sendte deg hit, om en ny lenke.",
  done: ["Takk", "Det du sendte, blir nå sjekket. Du kan lukke dette vinduet."],
  problems: {
    crossSite: "Forespørselen kom ikke fra bildesiden.",
    whichPhoto: "Si hvilket bilde dette er: forside, bakside eller selfie.",
    tooLarge: "Bildet er større enn {max} MB. Velg et mindre bilde.",
    tooMany: "Det er sendt for mange bilder med denne lenken. Be om en ny lenke.",
    cannotUse: "Filen kan ikke brukes. Velg et JPEG-, PNG-, WebP- eller HEIC-bilde.",
    tooSmall:
      "Bildet er for lite til å kunne leses. Gå nærmere, eller velg et bilde på minst {min} piksler, og prøv igjen.",
    unreadable: "Bildet kan ikke leses. Ta det på nytt, eller velg et annet.",
    chooseOne: "Velg hvordan du vil bekrefte identiteten.",
    missing: "Bildet mangler: {what}.",
    notSubmitted: "Bildene kunne ikke sendes inn. Prøv igjen.",
    noLongerValid: "Lenken er ikke lenger gyldig.",
    unavailable: "Verifiseringstjenesten er ikke tilgjengelig. Prøv igjen senere.",
    noAnswer: "Verifiseringstjenesten svarte ikke. Prøv igjen senere.",
    expired: "Lenken er utløpt. Be tjenesten som sendte deg hit, om en ny.",
    consumed: "Lenken er allerede brukt.",
    unknown: "Lenken er ikke gyldig."
  },
  script: {
    tickAgree: "Kryss av for «Jeg godtar» for å fortsette.",
    chooseOne: "Velg hvordan du vil bekrefte identiteten.",
    chooseDocument: "Velg hvilket dokument du skal ta bilde av.",
    leaving: "Åpner {provider} …",
    notImage: "Filen er ikke et bilde. Velg et JPEG-, PNG-, WebP- eller HEIC-bilde.",
    tooLarge: "Bildet er større enn {max} MB. Velg et mindre bilde.",
    uploading: "Laster opp …",
    uploaded: "Lastet opp.",
    notUploaded: "Ikke lastet opp.",
    uploadFailed: "Bildet kunne ikke lastes opp. Prøv igjen.",
    uploadLost: "Forbindelsen ble brutt under opplastingen. Sjekk forbindelsen og prøv igjen.",
    noCamera: "Denne nettleseren kan ikke bruke kameraet her. Last opp et bilde i stedet.",
    cameraRefused: "Kameraet kunne ikke åpnes (ble tilgang nektet?). Last opp et bilde i stedet.",
    notReady: "Kameraet er ikke klart ennå. Prøv igjen om et øyeblikk.",
    notTaken: "Bildet kunne ikke tas. Prøv igjen, eller last opp et bilde.",
    wait: "Vent til opplastingen er ferdig.",
    missing: "Legg til et bilde først: {what}.",
    submit: "Send inn",
    submitting: "Sender inn …",
    submitFailed: "Bildene kunne ikke sendes inn. Prøv igjen.",
    lost: "Forbindelsen ble brutt. Sjekk forbindelsen og prøv igjen.",
    noLongerValid: "Lenken er ikke lenger gyldig.",
    phoneProgress: "Mobilen har åpnet lenken: {done} av {total} bilder er lastet opp.",
    phoneSubmitted: "Bildene ble sendt inn fra mobilen."
  },
  defaultConsent:
    "Jeg godtar at bilder av identitetsdokumentet mitt, og av ansiktet mitt der det blir bedt om det, sendes for å bekrefte identiteten min for tjenesten som sendte meg hit. De blir bare oppbevart så lenge den tjenestens regler for lagring tillater."
}

/** The words of each language. */
export const texts: Readonly<Record<Language, Text>> = { en, nb }

/** `text` with each `{name}` replaced by `values[name]`. */
export const fill = (text: string, values: Readonly<Record<string, string | number>>): string =>
  text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole))

/**
 * The language of a request's `Accept-Language`: the first of its ranges (by `q`, then by order) that is English or
 * Norwegian (`nb`, `no`, `nn`); English when none is, or for `*`.
 */
export const languageOf = (acceptLanguage: string | undefined): Language => {
  const ranges = (acceptLanguage ?? "")
    .split(",")
    .map((part, index) => {
      const [range = "", ...params] = part.trim().split(";")
      const q = params.map((param) => /^\s*q=([0-9.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined)
      return { tag: range.trim().toLowerCase().split("-")[0] ?? "", q: q === undefined ? 1 : Number(q), index }
    })
    .filter((range) => range.tag !== "" && range.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
  for (const { tag } of ranges) {
    if (tag === "nb" || tag === "no" || tag === "nn") return "nb"
    if (tag === "en" || tag === "*") return "en"
  }
  return "en"
}
