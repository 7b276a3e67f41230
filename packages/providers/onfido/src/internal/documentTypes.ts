/**
 * Onfido's document types (`document_types` in its OpenAPI specification, 78 words) and the kind of document each is
 * in assure's vocabulary. Travel and identity documents map to their kind; everything else Onfido accepts (proof of
 * address, letters, cards that are not identity documents, `unknown`) is `other`. The table is total over Onfido's
 * enum (a test checks it against the specification); the provider's `documentTypeTable` reads a word Onfido adds
 * later as `other`.
 */
import type { DocumentType } from "@assure/core"

/** Every document type Onfido documents, and what it is normalised to. */
export const documentTypes = {
  passport: "passport",
  driving_licence: "driverLicense",
  national_identity_card: "idCard",
  residence_permit: "residencePermit",
  passport_card: "passport",
  tax_id: "other",
  visa: "visa",
  voter_id: "other",
  residence_status_document: "other",
  postal_identity_card: "other",
  social_security_card: "other",
  work_permit: "other",
  asylum_registration_card: "other",
  national_health_insurance_card: "other",
  municipality_identity_card: "other",
  private_operators_card: "other",
  proof_of_citizenship: "other",
  service_id_card: "other",
  immigration_status_document: "other",
  indigenous_card: "other",
  vehicle_registration_card: "other",
  certificate_of_naturalisation: "other",
  professional_qualification_card: "other",
  consular_id: "other",
  international_driving_licence: "driverLicense",
  home_office_letter: "other",
  birth_certificate: "other",
  vehicle_registration_certificate: "other",
  form_for_affixing_the_visa: "visa",
  identification_number_document: "other",
  adoption_certificate: "other",
  bank_building_society_statement: "other",
  bank_statement: "other",
  benefit_letters: "other",
  cbt: "other",
  certificate_of_sponsorship: "other",
  character_reference: "other",
  civil_partnership_certificate: "other",
  council_tax: "other",
  credit_card_statement: "other",
  deed_poll: "other",
  divorce_absolute_decree: "other",
  educational_statement: "other",
  electricity_bill: "other",
  gas_bill: "other",
  government_letter: "other",
  internet_bill: "other",
  marriage_certificate: "other",
  motorcycle_insurance: "other",
  national_insurance_card: "other",
  naturalisation_certificate: "other",
  non_uk_driving_licence: "driverLicense",
  p45_p60: "other",
  payslip: "other",
  phone_bill: "other",
  professional_identification_card: "other",
  right_to_work_share_code_result: "other",
  statement_fact: "other",
  t4_student_university_term_dates_evidence: "other",
  uk_biometric_residence_permit: "residencePermit",
  uk_driving_licence: "driverLicense",
  unknown: "other",
  utility_bill: "other",
  utility_bill_electric: "other",
  utility_bill_gas: "other",
  utility_bill_other: "other",
  water_bill: "other",
  address_certificate: "other",
  general_letter: "other",
  insurance_statement: "other",
  pension_property_statement_letter: "other",
  mortgage_statement: "other",
  mobile_phone_bill: "other",
  identity_document_with_address: "other",
  exchange_house_statement: "other",
  accommodation_tenancy_certificate: "other",
  diplomatic_id: "other",
  travel_document: "other"
} as const satisfies Record<string, DocumentType.DocumentType>

/** One of Onfido's document types. */
export type OnfidoDocumentType = keyof typeof documentTypes

/** Onfido's document types, in the specification's order. */
export const documentTypeWords = Object.keys(documentTypes) as ReadonlyArray<OnfidoDocumentType>
