"""The OpenAPI 3.1 description of the read-only API (served at /api/openapi.json)."""

from __future__ import annotations

from catalog.models import Category, Duration, Frequency
from portal.models import Organization

ORG_REF = {
    "type": "object", "required": ["code", "name"], "additionalProperties": False,
    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
}
ITEM_SUMMARY = {
    "type": "object",
    "required": ["id", "title", "organization", "category", "duration", "frequency",
                 "published_at", "url"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "organization": {"$ref": "#/components/schemas/OrganizationRef"},
        "category": {
            "type": "object", "required": ["code", "label"],
            "properties": {"code": {"type": "string", "enum": list(Category.values)},
                           "label": {"type": "string"}},
        },
        "duration": {"type": "string", "enum": list(Duration.values)},
        "frequency": {"type": "string", "enum": list(Frequency.values)},
        "published_at": {"type": "string", "format": "date-time"},
        "url": {"type": "string", "format": "uri"},
    },
}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
ITEM = {
    "allOf": [
        {"$ref": "#/components/schemas/ItemSummary"},
        {
            "type": "object",
            "required": ["body_html", "attachments", "event_date", "period_start",
                         "period_end", "display_until"],
            "properties": {
                "body_html": {"type": "string"},
                "event_date": NULLABLE_DATE, "period_start": NULLABLE_DATE,
                "period_end": NULLABLE_DATE, "display_until": NULLABLE_DATE,
                "attachments": {"type": "array", "items": {
                    "type": "object", "required": ["name", "size", "sha256", "url"],
                    "properties": {"name": {"type": "string"}, "size": {"type": "integer"},
                                   "sha256": {"type": "string"},
                                   "url": {"type": "string", "format": "uri"}},
                }},
            },
        },
    ],
}
ORGANIZATION = {
    "type": "object", "required": ["code", "name", "level", "type", "parent"],
    "properties": {
        "code": {"type": "string"}, "name": {"type": "string"},
        "level": {"type": "string", "enum": list(Organization.Level.values)},
        "type": {"type": "string", "enum": list(Organization.Kind.values)},
        "parent": {"type": ["string", "null"]},
        "children": {"type": "array", "items": {"type": "string"}},
        "public_items": {"type": "integer"},
    },
}
ERROR = {"type": "object", "required": ["error"],
         "properties": {"error": {"type": "string"}, "details": {"type": "object"}}}


def _param(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def _get_one(summary: str, operation: str, key: tuple[str, str], found: tuple[str, str],
             missing: str) -> dict:
    """A GET of one record by a path parameter: 200 with it, or 404."""
    name, kind = key
    return {"get": {
        "summary": summary, "operationId": operation,
        "parameters": [{"name": name, "in": "path", "required": True,
                        "schema": {"type": kind}}],
        "responses": {"200": _json_response(*found), "404": _json_response(missing, "Error")},
    }}


def _json_response(description: str, ref: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def document(server: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Party Affairs Disclosure Portal API", "version": "1.0.0",
                 "description": "Read-only access to public disclosures and organizations."},
        "servers": [{"url": server}],
        "paths": {
            "/items/": {"get": {
                "summary": "List public items, newest first",
                "operationId": "listItems",
                "parameters": [
                    _param("organization", {"type": "string"}, "Organization code"),
                    _param("subtree", {"type": "boolean"}, "Include subordinate organizations"),
                    _param("category", {"type": "string", "enum": list(Category.values)},
                           "Content category"),
                    _param("duration", {"type": "string", "enum": list(Duration.values)},
                           "Duration: long or short term"),
                    _param("frequency", {"type": "string", "enum": list(Frequency.values)},
                           "Frequency: periodic or timely"),
                    _param("published_after", {"type": "string", "format": "date"},
                           "Published on or after"),
                    _param("published_before", {"type": "string", "format": "date"},
                           "Published on or before"),
                    _param("q", {"type": "string"}, "Search words (Chinese or Latin)"),
                    _param("page", {"type": "integer", "minimum": 1}, "Page number"),
                    _param("page_size", {"type": "integer", "minimum": 1, "maximum": 100},
                           "Items per page (default 20)"),
                ],
                "responses": {
                    "200": _json_response("A page of items", "ItemPage"),
                    "400": _json_response("Invalid parameters", "Error"),
                    "404": _json_response("Unknown organization or page", "Error"),
                },
            }},
            "/items/{id}/": _get_one("One public item", "getItem", ("id", "integer"),
                                     ("The item", "Item"), "No such public item"),
            "/organizations/": {"get": {
                "summary": "List organizations", "operationId": "listOrganizations",
                "responses": {"200": _json_response("All active organizations",
                                                    "OrganizationList")},
            }},
            "/organizations/{code}/": _get_one(
                "One organization", "getOrganization", ("code", "string"),
                ("The organization", "Organization"), "No such organization"),
        },
        "components": {"schemas": {
            "OrganizationRef": ORG_REF,
            "ItemSummary": ITEM_SUMMARY,
            "Item": ITEM,
            "ItemPage": {
                "type": "object", "required": ["count", "page", "pages", "results"],
                "properties": {
                    "count": {"type": "integer", "description": (
                        "Matching items, counted up to 2,000 (then 2,000); narrow the "
                        "query to page further.")},
                    "page": {"type": "integer"},
                    "pages": {"type": "integer"},
                    "results": {"type": "array",
                                "items": {"$ref": "#/components/schemas/ItemSummary"}},
                },
            },
            "Organization": ORGANIZATION,
            "OrganizationList": {
                "type": "object", "required": ["count", "results"],
                "properties": {"count": {"type": "integer"}, "results": {
                    "type": "array", "items": {"$ref": "#/components/schemas/Organization"}}},
            },
            "Error": ERROR,
        }},
    }
