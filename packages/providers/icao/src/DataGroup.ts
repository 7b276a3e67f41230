/**
 * eMRTD data groups (ICAO Doc 9303 part 10): reading DG1, the MRZ as the chip stores it, and building one for tests.
 *
 * DG1 is the application-tagged template `61` holding the MRZ in the data object `5F1F`, its lines run together
 * without breaks: 90 characters for TD1, 72 for TD2 and MRV-B, 88 for TD3 and MRV-A. Both levels are read with
 * `asn1js`. Other data groups (DG2, the face image, and the rest) are only hashed, never parsed.
 *
 * @since 0.1.0
 */
import * as asn1js from "asn1js"
import { Effect } from "effect"
import { ChipDataError } from "./ChipError.js"

/** The application tag of DG1's template (`61`). @since 0.1.0 */
export const dg1Tag = 1

/** The application tag of the MRZ data object inside DG1 (`5F1F`). @since 0.1.0 */
export const mrzTag = 31

const applicationClass = 2

const lineWidths: Readonly<Record<number, number>> = { 90: 30, 72: 36, 88: 44 }

const fail = (detail: string) => Effect.fail(new ChipDataError({ field: "dataGroups.1", detail }))

/**
 * The MRZ stored in DG1, split into its lines (joined with `\n`, as `Mrz.parse` reads them).
 *
 * @since 0.1.0
 */
export const readMrz = (dg1: Uint8Array): Effect.Effect<string, ChipDataError> =>
  Effect.suspend(() => {
    const decoded = asn1js.fromBER(dg1)
    if (decoded.offset === -1 || decoded.offset !== dg1.byteLength) return fail("not a DER-encoded data group")
    const template = decoded.result
    if (
      template.idBlock.tagClass !== applicationClass ||
      template.idBlock.tagNumber !== dg1Tag ||
      !(template instanceof asn1js.Constructed)
    ) {
      return fail("DG1 is not an application template 61")
    }
    const mrz = template.valueBlock.value.find(
      (element) => element.idBlock.tagClass === applicationClass && element.idBlock.tagNumber === mrzTag
    )
    if (!(mrz instanceof asn1js.Primitive)) return fail("DG1 holds no MRZ (5F1F)")
    const bytes = mrz.valueBlock.valueHexView
    const text = new TextDecoder("latin1").decode(bytes)
    const width = lineWidths[text.length]
    if (width === undefined) return fail(`an MRZ of ${text.length} characters is not TD1, TD2 or TD3`)
    const lines: Array<string> = []
    for (let start = 0; start < text.length; start += width) lines.push(text.slice(start, start + width))
    return Effect.succeed(lines.join("\n"))
  })

/**
 * Encodes an MRZ (lines separated by line breaks) as a DG1, as a chip stores it: for test documents.
 *
 * @since 0.1.0
 */
export const encodeDg1 = (mrz: string): Uint8Array => {
  const text = mrz
    .trim()
    .split(/\r?\n/)
    .map((line) => line.trim())
    .join("")
  const template = new asn1js.Constructed({
    idBlock: { tagClass: applicationClass, tagNumber: dg1Tag },
    value: [
      new asn1js.Primitive({
        idBlock: { tagClass: applicationClass, tagNumber: mrzTag },
        valueHex: new TextEncoder().encode(text)
      })
    ]
  })
  return new Uint8Array(template.toBER(false))
}
