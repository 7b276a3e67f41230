import { journey } from "./support/journey.js"

journey("the embedded store")
