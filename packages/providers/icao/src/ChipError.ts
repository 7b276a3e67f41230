/**
 * The error of reading chip data: an EF.SOD or a data group that is truncated, garbage, or not what it should be
 * (a CMS structure that is not SignedData, an LDS security object of the wrong type). Reading never throws: every
 * failure of the ASN.1 and CMS libraries becomes this typed error.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** Which input could not be read: `sod`, or a data group such as `dataGroups.1`. @since 0.1.0 */
export class ChipDataError extends Schema.TaggedError<ChipDataError>("@assure/icao/ChipDataError")("ChipDataError", {
  /** The input at fault: `sod` or `dataGroups.<number>`. */
  field: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.field}: ${this.detail}`
  }
}
