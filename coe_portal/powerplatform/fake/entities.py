"""Table metadata of the fake's Dataverse orgs: `EntityDefinitions` with their lookups and columns.

Every org has the same tables: the standard ones apps use (account, contact, task) with their
real lookups (account and contact point at each other; account at itself), the system tables
every row points at (systemuser, team, businessunit), and two custom tables that reference each
other (cr5f1_asset, cr5f1_request), so load orders meet cycles and self-references.
"""

import uuid

__all__ = ["TABLES", "entity_definition"]

SYSTEM_COLUMNS = (("createdon", "DateTime"), ("modifiedon", "DateTime"), ("createdby", "Lookup"),
                  ("modifiedby", "Lookup"), ("createdonbehalfby", "Lookup"), ("modifiedonbehalfby", "Lookup"),
                  ("ownerid", "Owner"), ("owningbusinessunit", "Lookup"), ("owninguser", "Lookup"),
                  ("owningteam", "Lookup"), ("versionnumber", "BigInt"), ("overriddencreatedon", "DateTime"),
                  ("importsequencenumber", "Integer"), ("timezoneruleversionnumber", "Integer"),
                  ("utcconversiontimezonecode", "Integer"), ("statecode", "State"), ("statuscode", "Status"))
SYSTEM_LOOKUPS = (("createdby", "systemuser"), ("modifiedby", "systemuser"), ("owninguser", "systemuser"),
                  ("owningteam", "team"), ("owningbusinessunit", "businessunit"))

# logical name -> (entity set, display collection name, custom, {lookup column: referenced table}, own columns)
TABLES = {
    "account": ("accounts", "Accounts", False, {"primarycontactid": "contact", "parentaccountid": "account"},
                ("name", "telephone1", "address1_city")),
    "contact": ("contacts", "Contacts", False, {"parentcustomerid": "account"}, ("fullname", "emailaddress1")),
    "task": ("tasks", "Tasks", False, {"regardingobjectid": "account"}, ("subject", "scheduledend")),
    "cr5f1_asset": ("cr5f1_assets", "Assets", True, {"cr5f1_currentrequest": "cr5f1_request",
                                                     "cr5f1_account": "account"}, ("cr5f1_name", "cr5f1_serial")),
    "cr5f1_request": ("cr5f1_requests", "Requests", True, {"cr5f1_asset": "cr5f1_asset",
                                                           "cr5f1_requester": "contact"}, ("cr5f1_name",)),
    "systemuser": ("systemusers", "Users", False, {"businessunitid": "businessunit"}, ("fullname",)),
    "team": ("teams", "Teams", False, {"businessunitid": "businessunit"}, ("name",)),
    "businessunit": ("businessunits", "Business Units", False, {"parentbusinessunitid": "businessunit"}, ("name",)),
}


def _label(text):
    label = {"Label": text, "LanguageCode": 1033, "IsManaged": True,
             "MetadataId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"label:{text}")), "HasChanged": None}
    return {"LocalizedLabels": [label], "UserLocalizedLabel": label}


def _relationship(table, column, target):
    return {"MetadataId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"rel:{table}:{column}")),
            "SchemaName": f"{table}_{column}_{target}", "ReferencedEntity": target,
            "ReferencedAttribute": f"{target}id", "ReferencingEntity": table, "ReferencingAttribute": column,
            "RelationshipType": "OneToManyRelationship", "IsCustomRelationship": table.startswith("cr5f1_"),
            "IsValidForAdvancedFind": True, "SecurityTypes": "None"}


def _attribute(table, name, kind, custom):
    return {"@odata.type": f"#Microsoft.Dynamics.CRM.{kind}AttributeMetadata", "LogicalName": name,
            "AttributeType": kind, "IsCustomAttribute": custom and name.startswith("cr5f1_"),
            "IsValidForCreate": name not in ("createdon", "modifiedon", "createdby", "modifiedby", "versionnumber",
                                             "owningbusinessunit", "owninguser", "owningteam"),
            "MetadataId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"attr:{table}:{name}")), "AttributeOf": None}


def entity_definition(logical_name, expand=""):
    """The EntityDefinitions item of a table, with ManyToOneRelationships / Attributes when `expand` names them."""
    entity_set, display, custom, lookups, columns = TABLES[logical_name]
    item = {"MetadataId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"table:{logical_name}")), "LogicalName": logical_name,
            "SchemaName": logical_name.title() if not custom else logical_name, "EntitySetName": entity_set,
            "LogicalCollectionName": entity_set, "IsCustomEntity": custom, "IsActivity": logical_name == "task",
            "PrimaryIdAttribute": f"{logical_name}id", "PrimaryNameAttribute": columns[0],
            "DisplayCollectionName": _label(display), "DisplayName": _label(display.rstrip("s")),
            "OwnershipType": "UserOwned" if logical_name not in ("businessunit",) else "BusinessOwned",
            "ObjectTypeCode": 10000 + sorted(TABLES).index(logical_name) if custom else None}
    expand = expand.lower()
    if "manytoonerelationships" in expand:
        pairs = list(lookups.items()) + [pair for pair in SYSTEM_LOOKUPS if pair[0] in dict(SYSTEM_COLUMNS)]
        item["ManyToOneRelationships"] = [_relationship(logical_name, column, target) for column, target in pairs]
    if "attributes" in expand:
        names = [(f"{logical_name}id", "Uniqueidentifier")] + [(name, "String") for name in columns]
        names += [(column, "Lookup") for column in lookups] + list(SYSTEM_COLUMNS)
        item["Attributes"] = [_attribute(logical_name, name, kind, custom) for name, kind in names]
    return item
