/** Photos for the capture page's tests: real PNGs of a given size, since the page refuses photos too small to read. */
import { PNG } from "pngjs"

/** A grey PNG of `width`×`height` pixels. */
export const photo = (width = 800, height = 600): Buffer<ArrayBuffer> => {
  const image = new PNG({ width, height })
  image.data.fill(0x80)
  return Buffer.from(PNG.sync.write(image))
}

/** A 1×1 PNG: a real image, too small to read. */
export const speck = photo(1, 1)
