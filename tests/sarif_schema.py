"""The parts of the OASIS SARIF 2.1.0 JSON schema (``sarif-schema-2.1.0.json``) that cover the
objects fixlabels emits, transcribed by hand: required properties, types, enums, minimums, and
``additionalProperties: false`` as the standard's schema has them, so a misspelt or invented
property fails. The full schema cannot be fetched here (no network but package registries)."""

from __future__ import annotations

from typing import Any

_MESSAGE_STRING = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}, "properties": {"$ref": "#/definitions/propertyBag"}},
    "required": ["text"],
}

SARIF_2_1_0_SUBSET: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"enum": ["2.1.0"]},
        "runs": {"type": ["array", "null"], "items": {"$ref": "#/definitions/run"}},
        "properties": {"$ref": "#/definitions/propertyBag"},
    },
    "required": ["version", "runs"],
    "definitions": {
        "propertyBag": {"type": "object", "additionalProperties": True},
        "run": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "tool": {"$ref": "#/definitions/tool"},
                "results": {"type": ["array", "null"], "items": {"$ref": "#/definitions/result"}},
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                "properties": {"$ref": "#/definitions/propertyBag"},
            },
            "required": ["tool"],
        },
        "tool": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"driver": {"$ref": "#/definitions/toolComponent"}, "properties": {"$ref": "#/definitions/propertyBag"}},
            "required": ["driver"],
        },
        "toolComponent": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "version": {"type": "string"},
                "informationUri": {"type": "string", "format": "uri"},
                "rules": {"type": "array", "uniqueItems": True, "items": {"$ref": "#/definitions/reportingDescriptor"}},
                "properties": {"$ref": "#/definitions/propertyBag"},
            },
            "required": ["name"],
        },
        "reportingDescriptor": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "shortDescription": {"$ref": "#/definitions/multiformatMessageString"},
                "fullDescription": {"$ref": "#/definitions/multiformatMessageString"},
                "help": {"$ref": "#/definitions/multiformatMessageString"},
                "helpUri": {"type": "string", "format": "uri"},
                "defaultConfiguration": {"$ref": "#/definitions/reportingConfiguration"},
                "properties": {"$ref": "#/definitions/propertyBag"},
            },
            "required": ["id"],
        },
        "reportingConfiguration": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enabled": {"type": "boolean"},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "rank": {"type": "number", "minimum": -1.0, "maximum": 100.0},
                "properties": {"$ref": "#/definitions/propertyBag"},
            },
        },
        "multiformatMessageString": _MESSAGE_STRING,
        "message": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "text": {"type": "string"},
                "markdown": {"type": "string"},
                "id": {"type": "string"},
                "arguments": {"type": "array", "items": {"type": "string"}},
                "properties": {"$ref": "#/definitions/propertyBag"},
            },
            "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
        },
        "result": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "ruleId": {"type": "string"},
                "ruleIndex": {"type": "integer", "minimum": -1},
                "kind": {"enum": ["notApplicable", "pass", "fail", "review", "open", "informational"]},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": {"$ref": "#/definitions/message"},
                "locations": {"type": "array", "items": {"$ref": "#/definitions/location"}},
                "properties": {"$ref": "#/definitions/propertyBag"},
            },
            "required": ["message"],
        },
        "location": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer", "minimum": -1},
                "physicalLocation": {"$ref": "#/definitions/physicalLocation"},
                "message": {"$ref": "#/definitions/message"},
                "properties": {"$ref": "#/definitions/propertyBag"},
            },
        },
        "physicalLocation": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "artifactLocation": {"$ref": "#/definitions/artifactLocation"},
                "region": {"$ref": "#/definitions/region"},
                "properties": {"$ref": "#/definitions/propertyBag"},
            },
            "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
        },
        "artifactLocation": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "uri": {"type": "string", "format": "uri-reference"},
                "uriBaseId": {"type": "string"},
                "index": {"type": "integer", "minimum": -1},
                "properties": {"$ref": "#/definitions/propertyBag"},
            },
        },
        "region": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "startLine": {"type": "integer", "minimum": 1},
                "startColumn": {"type": "integer", "minimum": 1},
                "endLine": {"type": "integer", "minimum": 1},
                "endColumn": {"type": "integer", "minimum": 1},
                "properties": {"$ref": "#/definitions/propertyBag"},
            },
        },
    },
}
