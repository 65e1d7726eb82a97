"""X12 code lists as data: code -> description, and which element each list governs.

Sources: the 005010X217 and 005010X231A1 TR3s (as published in the examples and in the
stupidedi code lists) and the X12 element dictionary. Reason codes of HCR03 come from the
external code source 886 and are not listed here."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

Codes = Mapping[str, str]


def _table(pairs: dict[str, str]) -> Codes:
    return MappingProxyType(pairs)


HIERARCHICAL_STRUCTURES = _table(  # BHT01
    {"0007": "Information source, receiver, subscriber, dependent, event, services"}
)
TRANSACTION_PURPOSES = _table(  # BHT02
    {"01": "Cancellation", "11": "Response", "13": "Request"}
)
TRANSACTION_TYPES = _table(  # BHT06
    {
        "18": "Response - no further updates to follow",
        "19": "Response - further updates to follow",
        "RU": "Medical services reservation",
    }
)
HIERARCHY_LEVELS = _table(  # HL03
    {
        "20": "Utilization management organization (information source)",
        "21": "Requester (information receiver)",
        "22": "Subscriber",
        "23": "Dependent",
        "EV": "Patient event",
        "SS": "Service",
    }
)
REQUEST_CATEGORIES = _table(  # UM01
    {
        "AR": "Admission review",
        "HS": "Health services review",
        "IN": "Individual (medical services reservation)",
        "SC": "Specialty care review",
    }
)
CERTIFICATION_TYPES = _table(  # UM02
    {
        "1": "Appeal - immediate",
        "2": "Appeal - standard",
        "3": "Cancel",
        "4": "Extension",
        "I": "Initial",
        "R": "Renewal",
        "S": "Revised",
    }
)
HCR_ACTIONS = _table(  # HCR01
    {
        "A1": "Certified in total",
        "A2": "Certified - partial",
        "A3": "Not certified",
        "A4": "Pended",
        "A6": "Modified",
        "C": "Cancelled",
        "CT": "Contact payer",
        "NA": "No action required",
    }
)
# HCR01 codes that need a certification (review) number in HCR02, and those needing a reason
# (HCR03). The TR3 recommends a reason with A6, C and CT too, but its own admission example
# answers A6 without one, so only "not certified" is held to it.
ACTIONS_WITH_REVIEW_NUMBER = frozenset({"A1", "A2", "A6"})
ACTIONS_WITH_REASON = frozenset({"A3"})
VALID_REQUEST_INDICATORS = _table({"N": "No", "Y": "Yes"})  # AAA01
REJECT_REASONS = _table(  # AAA03
    {
        "04": "Authorized quantity exceeded",
        "15": "Required application data missing",
        "33": "Input errors",
        "35": "Out of network",
        "41": "Authorization/access restrictions",
        "42": "Unable to respond at current time",
        "43": "Invalid/missing provider identification",
        "44": "Invalid/missing provider name",
        "45": "Invalid/missing provider specialty",
        "46": "Invalid/missing provider phone number",
        "47": "Invalid/missing provider state",
        "49": "Provider is not primary care physician",
        "51": "Provider not on file",
        "52": "Service dates not within provider plan enrollment",
        "53": "Inquired benefit inconsistent with provider type",
        "56": "Inappropriate date",
        "57": "Invalid/missing date(s) of service",
        "58": "Invalid/missing date of birth",
        "60": "Date of birth follows date(s) of service",
        "61": "Date of death precedes date(s) of service",
        "62": "Date of service not within allowable inquiry period",
        "64": "Invalid/missing patient ID",
        "65": "Invalid/missing patient name",
        "66": "Invalid/missing patient gender code",
        "67": "Patient not found",
        "68": "Duplicate patient ID number",
        "69": "Inconsistent with patient's age",
        "70": "Inconsistent with patient's gender",
        "71": "Patient birth date does not match that for the patient on the database",
        "72": "Invalid/missing subscriber/insured ID",
        "73": "Invalid/missing subscriber/insured name",
        "74": "Invalid/missing subscriber/insured gender code",
        "75": "Subscriber/insured not found",
        "76": "Duplicate subscriber/insured ID number",
        "77": "Subscriber found, patient not found",
        "78": "Subscriber/insured not in group/plan identified",
        "79": "Invalid participant identification",
        "80": "No response received - transaction terminated",
        "95": "Patient not eligible",
        "97": "Invalid or missing provider address",
        "AA": "Authorization number not found",
        "AE": "Requires primary care physician authorization",
        "AF": "Invalid/missing diagnosis code(s)",
        "AG": "Invalid/missing procedure code(s)",
        "AO": "Additional patient condition information required",
        "CI": "Certification information does not match patient",
        "E8": "Requires medical review",
        "IA": "Invalid authorization number format",
        "MA": "Missing authorization number",
        "T4": "Payer name or identifier missing",
        "T5": "Certification information missing",
    }
)
FOLLOW_UP_ACTIONS = _table(  # AAA04
    {
        "C": "Please correct and resubmit",
        "N": "Resubmission not allowed",
        "P": "Please resubmit original transaction",
        "R": "Resubmission allowed",
        "S": "Do not resubmit; inquiry initiated to a third party",
        "W": "Please wait 30 days and resubmit",
        "X": "Please wait 10 days and resubmit",
        "Y": "Do not resubmit; we will hold your request and respond again shortly",
    }
)

DIAGNOSIS_QUALIFIERS = _table(  # HI0n-1
    {
        "ABF": "ICD-10-CM diagnosis",
        "ABJ": "ICD-10-CM admitting diagnosis",
        "ABK": "ICD-10-CM principal diagnosis",
        "APR": "ICD-10-CM patient's reason for visit",
        "BF": "ICD-9-CM diagnosis",
        "BJ": "ICD-9-CM admitting diagnosis",
        "BK": "ICD-9-CM principal diagnosis",
        "PR": "ICD-9-CM patient's reason for visit",
        "DR": "Diagnosis related group (DRG)",
        "LOI": "Logical Observation Identifier Names and Codes (LOINC)",
    }
)
FACILITY_QUALIFIERS = _table(  # UM04-2
    {"A": "Uniform billing claim form bill type", "B": "Place of service code"}
)
PROCEDURE_QUALIFIERS = _table(  # SV101-1, SV202-1, SV301-1
    {
        "AD": "American Dental Association codes",
        "CJ": "Current Procedural Terminology (CPT) codes",
        "HC": "HCPCS codes (CPT included)",
        "ID": "ICD-9-CM procedure",
        "IV": "Home Infusion EDI Coalition (HIEC) product/service code",
        "N4": "National Drug Code in 5-4-2 format",
        "ZZ": "Mutually defined",
    }
)

# --- 999 (005010X231A1) and TA1 ----------------------------------------------------------------

ACKNOWLEDGMENT_CODES = _table(  # IK501, AK901 ("P" in AK901 only)
    {
        "A": "Accepted",
        "E": "Accepted but errors were noted",
        "M": "Rejected, message authentication code (MAC) failed",
        "P": "Partially accepted, at least one transaction set was rejected",
        "R": "Rejected",
        "W": "Rejected, assurance failed validity tests",
        "X": "Rejected, content after decryption could not be analyzed",
    }
)
SEGMENT_ERRORS = _table(  # IK304
    {
        "1": "Unrecognized segment ID",
        "2": "Unexpected segment",
        "3": "Required segment missing",
        "4": "Loop occurs over maximum times",
        "5": "Segment exceeds maximum use",
        "6": "Segment not in defined transaction set",
        "7": "Segment not in proper sequence",
        "8": "Segment has data element errors",
        "I4": "Implementation 'not used' segment present",
        "I6": "Implementation dependent segment missing",
        "I7": "Implementation loop occurs under minimum times",
        "I8": "Implementation segment below minimum use",
        "I9": "Implementation dependent 'not used' segment present",
    }
)
ELEMENT_ERRORS = _table(  # IK403
    {
        "1": "Required data element missing",
        "2": "Conditional required data element missing",
        "3": "Too many data elements",
        "4": "Data element too short",
        "5": "Data element too long",
        "6": "Invalid character in data element",
        "7": "Invalid code value",
        "8": "Invalid date",
        "9": "Invalid time",
        "10": "Exclusion condition violated",
        "12": "Too many repetitions",
        "13": "Too many components",
        "I6": "Code value not used in implementation",
        "I9": "Implementation dependent data element missing",
        "I10": "Implementation 'not used' data element present",
        "I11": "Implementation too few repetitions",
        "I12": "Implementation pattern match failure",
        "I13": "Implementation dependent 'not used' data element present",
    }
)
TRANSACTION_ERRORS = _table(  # IK502..IK506
    {
        "1": "Transaction set not supported",
        "2": "Transaction set trailer missing",
        "3": "Transaction set control number in header and trailer do not match",
        "4": "Number of included segments does not match actual count",
        "5": "One or more segments in error",
        "6": "Missing or invalid transaction set identifier",
        "7": "Missing or invalid transaction set control number",
        "18": "Transaction set not in functional group",
        "19": "Invalid transaction set implementation convention reference",
        "23": "Transaction set control number not unique within the functional group",
        "I5": "Implementation one or more segments in error",
        "I6": "Implementation convention not supported",
    }
)
GROUP_ERRORS = _table(  # AK905..AK909
    {
        "1": "Functional group not supported",
        "2": "Functional group version not supported",
        "3": "Functional group trailer missing",
        "4": "Group control number in the functional group header and trailer do not agree",
        "5": "Number of included transaction sets does not match actual count",
        "6": "Group control number violates syntax",
        "19": "Functional group control number not unique within interchange",
    }
)
INTERCHANGE_ACKNOWLEDGMENTS = _table(  # TA104
    {
        "A": "The transmitted interchange control structure header and trailer have been "
        "received and have no errors",
        "E": "The transmitted interchange control structure header and trailer have been "
        "received and are accepted but errors are noted",
        "R": "The transmitted interchange control structure header and trailer are rejected "
        "because of errors",
    }
)
INTERCHANGE_NOTES = _table(  # TA105
    {
        "000": "No error",
        "001": "The interchange control number in the header and trailer do not match",
        "002": "This standard as noted in the control standards identifier is not supported",
        "003": "This version of the controls is not supported",
        "004": "The segment terminator is invalid",
        "005": "Invalid interchange ID qualifier for sender",
        "006": "Invalid interchange sender ID",
        "007": "Invalid interchange ID qualifier for receiver",
        "008": "Invalid interchange receiver ID",
        "009": "Unknown interchange receiver ID",
        "010": "Invalid authorization information qualifier value",
        "011": "Invalid authorization information value",
        "012": "Invalid security information qualifier value",
        "013": "Invalid security information value",
        "014": "Invalid interchange date value",
        "015": "Invalid interchange time value",
        "016": "Invalid interchange standards identifier value",
        "017": "Invalid interchange version ID value",
        "018": "Invalid interchange control number value",
        "019": "Invalid acknowledgment requested value",
        "020": "Invalid test indicator value",
        "021": "Invalid number of included groups value",
        "022": "Invalid control structure",
        "023": "Improper (premature) end-of-file (transmission)",
        "024": "Invalid interchange content (e.g., invalid GS segment)",
        "025": "Duplicate interchange control number",
        "026": "Invalid data element separator",
        "027": "Invalid component element separator",
    }
)

# Which list governs which element of a 278 (segment id, element number).
CODE_LISTS_278: Mapping[tuple[str, int], Codes] = MappingProxyType(
    {
        ("BHT", 1): HIERARCHICAL_STRUCTURES,
        ("BHT", 2): TRANSACTION_PURPOSES,
        ("BHT", 6): TRANSACTION_TYPES,
        ("HL", 3): HIERARCHY_LEVELS,
        ("UM", 1): REQUEST_CATEGORIES,
        ("UM", 2): CERTIFICATION_TYPES,
        ("HCR", 1): HCR_ACTIONS,
        ("AAA", 1): VALID_REQUEST_INDICATORS,
        ("AAA", 3): REJECT_REASONS,
        ("AAA", 4): FOLLOW_UP_ACTIONS,
    }
)
# Which list governs which component: (segment id, element number or 0 for each element,
# component number).
COMPONENT_CODE_LISTS_278: Mapping[tuple[str, int, int], Codes] = MappingProxyType(
    {
        ("HI", 0, 1): DIAGNOSIS_QUALIFIERS,
        ("UM", 4, 2): FACILITY_QUALIFIERS,
        ("SV1", 1, 1): PROCEDURE_QUALIFIERS,
        ("SV2", 2, 1): PROCEDURE_QUALIFIERS,
        ("SV3", 1, 1): PROCEDURE_QUALIFIERS,
    }
)
CODE_LISTS_999: Mapping[tuple[str, int], Codes] = MappingProxyType(
    {
        ("IK3", 4): SEGMENT_ERRORS,
        ("IK4", 3): ELEMENT_ERRORS,
        ("IK5", 1): ACKNOWLEDGMENT_CODES,
        ("AK9", 1): ACKNOWLEDGMENT_CODES,
    }
)
