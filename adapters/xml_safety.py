"""Reading XML that arrives from outside (SOAP envelopes, FHIR XML): lxml parsers with no
network, no DTD loading or validation, no entity expansion and no huge trees, and the checks
that refuse a document type declaration, before parsing where the bytes show one and after
parsing where an encoding hid it. Each protocol turns a refusal into its own error."""

from __future__ import annotations

from lxml import etree


def hardened_parser(*, drop_comments: bool = False) -> etree.XMLParser:
    """A new parser (lxml's are not to be shared between threads); `drop_comments` also drops
    comments and processing instructions."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        collect_ids=False,
        remove_comments=drop_comments,
        remove_pis=drop_comments,
    )


def shows_dtd(body: bytes) -> bool:
    """Whether the bytes visibly carry a document type declaration or an entity."""
    return b"<!DOCTYPE" in body or b"<!ENTITY" in body


def has_dtd(root: etree._Element) -> bool:
    """Whether the parsed document had a document type declaration."""
    info = root.getroottree().docinfo
    return bool(info.doctype) or info.internalDTD is not None
