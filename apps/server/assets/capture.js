// The hosted capture page's script (assure, issue 19): consent; then, with several ways through, the end-user's
// choice; then either each photo by camera (getUserMedia and a canvas snapshot) or by file upload, with progress and
// recoverable errors, for the document they chose (its back too when it has one), and submit — or the hand-over to a
// provider's own page, which the submit answers. A desktop page that offers the hand-off to a phone (#handoff) follows
// the session every 2 s, and goes where the phone's submit sent the end-user. Plain JavaScript, no dependency: served
// as is from the server's own origin, under a Content-Security-Policy without inline script. Photos live only in
// memory (a Blob, an object URL revoked when replaced or submitted); nothing goes to browser storage.
;(() => {
  const app = document.getElementById("capture-app")
  if (app === null) return
  const base = location.pathname.replace(/\/+$/, "")
  const words = (name) => (app.dataset[name] || "").split(" ").filter(Boolean)
  const choices = words("choices")
  const twoSided = words("twoSided")
  // The photos needed: the providers' kinds, and the back of a two-sided document once one is chosen.
  const baseKinds = words("kinds")
  let kinds = baseKinds
  const uploaded = new Set((app.dataset.uploaded || "").split(" ").filter(Boolean))
  const maxBytes = Number(app.dataset.maxBytes) || 10000000
  // The words, in the page's language (CaptureText.ts), with `{name}` filled in.
  const messages = JSON.parse(app.dataset.messages || "{}")
  const say = (key, values = {}) =>
    (messages[key] || key).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole))
  const errorBox = document.getElementById("error")
  const previews = new Map()
  let busy = false
  let submitting = false

  const showError = (message) => {
    errorBox.textContent = message
    errorBox.hidden = false
    errorBox.focus()
  }
  const clearError = () => {
    errorBox.hidden = true
    errorBox.textContent = ""
  }
  const detailOf = (text, fallback) => {
    try {
      const body = JSON.parse(text)
      return typeof body.detail === "string" ? body.detail : fallback
    } catch {
      return fallback
    }
  }

  // One step shows at a time; its heading takes the focus, so that a screen reader follows.
  const show = (section) => {
    section.hidden = false
    section.querySelector("h2").focus()
  }
  const sectionOf = (choice) =>
    choice === "photos" ? document.getElementById("capture") : document.getElementById(`handover-${choice}`)

  // Consent first: nothing is taken or sent until the end-user agreed.
  document.getElementById("consent-form").addEventListener("submit", (event) => {
    event.preventDefault()
    if (!document.getElementById("consent-check").checked) {
      showError(say("tickAgree"))
      return
    }
    clearError()
    document.getElementById("consent").hidden = true
    show(choices.length > 1 ? document.getElementById("choose") : sectionOf(choices[0]))
  })

  const chooseForm = document.getElementById("choose-form")
  if (chooseForm !== null) {
    chooseForm.addEventListener("submit", (event) => {
      event.preventDefault()
      const picked = chooseForm.querySelector("input[name=choice]:checked")
      if (picked === null) {
        showError(say("chooseOne"))
        return
      }
      clearError()
      document.getElementById("choose").hidden = true
      show(sectionOf(picked.value))
    })
  }

  // The document: its guidance, and its back when it has one.
  const documentType = () => app.querySelector("input[name=document]:checked")?.value
  const showDocument = () => {
    const chosen = documentType() || ""
    for (const guidance of app.querySelectorAll(".guidance")) {
      const own = guidance.parentElement.querySelector(`.guidance[data-document="${chosen}"]`)
      guidance.hidden = guidance.dataset.document !== (own === null ? "" : chosen)
    }
    const back = twoSided.includes(chosen)
    const backShot = app.querySelector('.shot[data-kind="back"]')
    if (backShot !== null) backShot.hidden = !back
    kinds = back ? ["front", "back", ...baseKinds.filter((kind) => kind !== "front")] : baseKinds
  }
  for (const radio of app.querySelectorAll("input[name=document]")) radio.addEventListener("change", showDocument)
  showDocument()

  const upload = (section, kind, blob) => {
    const status = section.querySelector(".status")
    const progress = section.querySelector(".progress")
    if (!/^image\//.test(blob.type)) {
      showError(say("notImage"))
      return
    }
    if (blob.size > maxBytes) {
      showError(say("tooLarge", { max: maxBytes / 1000000 }))
      return
    }
    clearError()
    busy = true
    uploaded.delete(kind)
    progress.value = 0
    progress.textContent = "0 %"
    progress.hidden = false
    status.textContent = say("uploading")
    const request = new XMLHttpRequest()
    request.open("POST", `${base}/files?kind=${encodeURIComponent(kind)}`)
    request.setRequestHeader("content-type", blob.type)
    request.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return
      const percent = Math.round((event.loaded / event.total) * 100)
      progress.value = percent
      progress.textContent = `${percent} %`
    })
    request.addEventListener("load", () => {
      busy = false
      progress.hidden = true
      if (request.status === 201) {
        uploaded.add(kind)
        status.textContent = say("uploaded")
        const preview = section.querySelector(".preview")
        const old = previews.get(kind)
        if (old !== undefined) URL.revokeObjectURL(old)
        const url = URL.createObjectURL(blob)
        previews.set(kind, url)
        preview.src = url
        preview.hidden = false
      } else {
        status.textContent = say("notUploaded")
        showError(detailOf(request.responseText, say("uploadFailed")))
      }
    })
    request.addEventListener("error", () => {
      busy = false
      progress.hidden = true
      status.textContent = say("notUploaded")
      showError(say("uploadLost"))
    })
    request.send(blob)
  }

  for (const section of app.querySelectorAll(".shot")) {
    const kind = section.dataset.kind
    const camera = section.querySelector(".camera")
    const video = section.querySelector(".viewfinder")
    const choose = section.querySelector(".choose")
    let stream = null

    const stopCamera = () => {
      if (stream !== null) for (const track of stream.getTracks()) track.stop()
      stream = null
      video.srcObject = null
      camera.hidden = true
      choose.hidden = false
    }

    section.querySelector(".open-camera").addEventListener("click", async () => {
      clearError()
      if (!navigator.mediaDevices?.getUserMedia) {
        showError(say("noCamera"))
        return
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          audio: false,
          video: { facingMode: kind === "selfie" ? "user" : "environment", width: { ideal: 1920 } }
        })
      } catch {
        showError(say("cameraRefused"))
        return
      }
      video.srcObject = stream
      camera.hidden = false
      choose.hidden = true
      await video.play().catch(() => {})
      section.querySelector(".take").focus()
    })

    section.querySelector(".stop").addEventListener("click", stopCamera)

    section.querySelector(".take").addEventListener("click", () => {
      if (video.videoWidth === 0) {
        showError(say("notReady"))
        return
      }
      const canvas = document.createElement("canvas")
      canvas.width = video.videoWidth
      canvas.height = video.videoHeight
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height)
      stopCamera()
      canvas.toBlob(
        (blob) => {
          canvas.width = 0
          if (blob === null) showError(say("notTaken"))
          else upload(section, kind, blob)
        },
        "image/jpeg",
        0.92
      )
    })

    const input = section.querySelector(".file")
    input.addEventListener("change", () => {
      const file = input.files?.[0]
      input.value = ""
      if (file) upload(section, kind, file)
    })
  }

  const submit = document.getElementById("submit")
  // Submits the end-user's choice (and document), and goes where the server says: a provider's page for a
  // hand-over, the client's site otherwise.
  const send = async (selection, button, label) => {
    clearError()
    submitting = true
    button.disabled = true
    try {
      const response = await fetch(`${base}/submit`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(selection)
      })
      const text = await response.text()
      if (response.ok) {
        for (const url of previews.values()) URL.revokeObjectURL(url)
        location.replace(JSON.parse(text).redirectTo)
        return
      }
      showError(detailOf(text, say("submitFailed")))
    } catch {
      showError(say("lost"))
    }
    submitting = false
    button.disabled = false
    button.textContent = label
  }

  for (const section of app.querySelectorAll(".handover")) {
    const go = section.querySelector(".go")
    const label = go.textContent
    go.addEventListener("click", () => {
      go.textContent = say("leaving", { provider: section.dataset.provider })
      send({ choice: section.dataset.choice }, go, label)
    })
  }
  // The hand-off: what the phone did, read from the session's status until it is submitted or no longer usable.
  const handoff = document.getElementById("handoff")
  if (handoff !== null) {
    const said = document.getElementById("handoff-status")
    const follow = async () => {
      if (submitting) {
        setTimeout(follow, 2000)
        return
      }
      let response
      try {
        response = await fetch(`${base}/status`, { credentials: "same-origin", cache: "no-store" })
      } catch {
        setTimeout(follow, 2000)
        return
      }
      const text = await response.text()
      if (!response.ok) {
        showError(detailOf(text, say("noLongerValid")))
        return
      }
      const status = JSON.parse(text)
      for (const kind of status.uploaded) {
        const shot = app.querySelector(`.shot[data-kind="${kind}"] .status`)
        if (shot !== null && !uploaded.has(kind)) {
          uploaded.add(kind)
          shot.textContent = say("uploaded")
        }
      }
      if (status.submitted) {
        said.textContent = say("phoneSubmitted")
        location.replace(status.redirectTo)
        return
      }
      if (status.handedOff) {
        const done = kinds.filter((kind) => status.uploaded.includes(kind)).length
        const progress = say("phoneProgress", { done, total: kinds.length })
        if (said.textContent !== progress) said.textContent = progress
      }
      setTimeout(follow, 2000)
    }
    setTimeout(follow, 2000)
  }

  if (submit === null) return
  submit.addEventListener("click", () => {
    if (busy) {
      showError(say("wait"))
      return
    }
    const chosen = documentType()
    if (chosen === undefined) {
      showError(say("chooseDocument"))
      return
    }
    const missing = kinds.find((kind) => !uploaded.has(kind))
    if (missing !== undefined) {
      const title = app.querySelector(`#${missing}-title`)
      showError(say("missing", { what: title ? title.textContent : missing }))
      return
    }
    submit.textContent = say("submitting")
    send({ choice: "photos", documentType: chosen }, submit, say("submit"))
  })
})()
