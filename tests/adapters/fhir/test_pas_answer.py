"""Every PAS response in the conformance folder (2.2.1, 2.0.1 and Inferno's fixtures) read
into the PartnerAnswer the domain applies."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.fhir.pas import PasMappingError, from_pas_response, parse_resource
from domain.authorizations.lifecycle import ReviewAction
from domain.partners.ports import AnswerKind
from tests.adapters.ehr_support import PAS_EXAMPLES

A1, A3, A4 = ReviewAction.CERTIFIED, ReviewAction.NOT_CERTIFIED, ReviewAction.PENDED
DECIDED, REJECTED = AnswerKind.DECIDED, AnswerKind.REJECTED

# file -> (kind, review action per item)
EXPECTED = {
    "inferno-test-kit/PAS_notification_example_full_resource.json": (DECIDED, [A4]),  # queued
    "inferno-test-kit/valid_pa_inquire_response_bundle.json": (DECIDED, [A1]),
    "inferno-test-kit/valid_pa_response_bundle.json": (DECIDED, [A1]),
    "inferno-test-kit/valid_pa_response_bundle_denial.json": (DECIDED, [A3]),
    "v2.0.1/Bundle-ErrorResponseBundleExample.json": (DECIDED, [A1]),  # mislabelled: approved
    "v2.0.1/Bundle-PASClaimInquiryResponseBundleExample.json": (DECIDED, [A1]),
    "v2.0.1/Bundle-ReferralAuthorizationResponseBundleExample.json": (DECIDED, [A1]),
    "v2.0.1/ClaimResponse-ErrorResponseExample.json": (REJECTED, []),
    "v2.0.1/ClaimResponse-PASClaimInquiryResponseExample.json": (DECIDED, [A1]),
    "v2.0.1/ClaimResponse-PractitionerRequestorResponseExample.json": (DECIDED, [A1]),
    "v2.0.1/ClaimResponse-ReferralAuthorizationResponseExample.json": (DECIDED, [A1]),
    "v2.2.1/Bundle-ErrorResponseBundleExample.json": (REJECTED, []),
    "v2.2.1/Bundle-PASClaimInquiryResponseBundleExample.json": (DECIDED, [A1]),
    "v2.2.1/Bundle-PASSubscriptionNotification.json": (DECIDED, [A1]),
    "v2.2.1/Bundle-ReferralAuthorizationResponseBundleExample.json": (DECIDED, [A1]),
    "v2.2.1/Bundle-ReferralPendingAuthorizationResponseBundleExample.json": (DECIDED, [A4]),
    "v2.2.1/Bundle-RejectionResponseBundleExample.json": (DECIDED, [A3]),
    "v2.2.1/ClaimResponse-ErrorResponseExample.json": (REJECTED, []),
    "v2.2.1/ClaimResponse-PASClaimInquiryResponseExample.json": (DECIDED, [A1]),
    "v2.2.1/ClaimResponse-PractitionerRequestorAdditionalContentResponseExample.json": (
        DECIDED,
        [A1],
    ),
    "v2.2.1/ClaimResponse-PractitionerRequestorPendingResponseExample.json": (DECIDED, [A4]),
    "v2.2.1/ClaimResponse-PractitionerRequestorResponseExample.json": (DECIDED, [A1]),
    "v2.2.1/ClaimResponse-RejectionResponseExample.json": (DECIDED, [A3]),
    "v2.2.1/Parameters-PASClaimInquiryOperationResponseExample.json": (DECIDED, [A1]),
}


def _files_with_a_claim_response() -> list[str]:
    return sorted(
        f"{path.parent.name}/{path.name}"
        for path in PAS_EXAMPLES.glob("*/*.json")
        if '"ClaimResponse"' in path.read_text()
    )


def _answer(name: str):
    return from_pas_response(parse_resource((PAS_EXAMPLES / name).read_bytes()))


def test_every_example_holding_a_claim_response_is_expected_here():
    assert _files_with_a_claim_response() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_response_example_maps_to_its_kind_and_actions(name):
    kind, actions = EXPECTED[name]
    answer = _answer(name)
    assert answer.kind is kind
    assert [line.review_action for line in answer.lines] == actions
    assert all(line.sequence == 1 for line in answer.lines)


def test_approval_carries_the_authorization_number_and_validity():
    (line,) = _answer("v2.2.1/Bundle-ReferralAuthorizationResponseBundleExample.json").lines
    assert line.authorization_number == "AUTH0001"
    assert (line.approved_start, line.approved_end) == (date(2005, 5, 2), date(2005, 6, 2))
    assert line.approved_quantity == 1


def test_pended_response_keeps_the_payer_reference():
    answer = _answer("v2.2.1/Bundle-ReferralPendingAuthorizationResponseBundleExample.json")
    assert answer.payer_reference == "PEND0001"
    assert answer.lines[0].authorization_number is None


def test_error_outcome_is_rejected_with_the_error_text():
    answer = _answer("v2.2.1/Bundle-ErrorResponseBundleExample.json")
    assert answer.reason is not None
    assert "04" in answer.reason and "T4 at Bundle.entry[1].Organization.name" in answer.reason


def test_an_id_only_notification_is_no_answer():
    with pytest.raises(PasMappingError, match="no ClaimResponse"):
        _answer("inferno-test-kit/PAS_notification_example_id_only.json")


def test_a_request_bundle_is_no_answer():
    with pytest.raises(PasMappingError):
        _answer("v2.2.1/Bundle-ReferralAuthorizationBundleExample.json")
