"""The JSON the admin APIs answer with, built from a tenant's records, quirks included.

App list items are cached as bytes on the record (cleared when it changes). Flows: render_flow.py.
"""

import hashlib
import json
import random
import time

from .catalog import CONNECTORS, connector_id
from .generate import uid

__all__ = [
    "app_item", "connection_item", "connector_item", "dumps", "environment_item", "iso", "pick_extras", "policy_v1",
    "policy_v2", "principal", "user_item",
]

BUSINESS_APP_PLATFORM = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"


def dumps(value):
    """Compact JSON bytes, as the services send."""
    return json.dumps(value, separators=(",", ":")).encode()


def iso(timestamp):
    """Seconds since the epoch as the services write them: UTC with seven fractional digits."""
    whole = int(timestamp)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int((timestamp - whole) * 1e7):07d}Z"


def principal(tenant, maker):
    """An owner / createdBy object as Power Apps writes it (with email and UPN)."""
    return {"id": maker.oid, "displayName": maker.display_name, "email": maker.mail, "type": "User",
            "tenantId": tenant.tenant_id, "userPrincipalName": maker.upn}


def pick_extras(rng, extras):
    """About half of `extras`, chosen by `rng`."""
    return {key: value for key, value in extras.items() if rng.random() < 0.5}


# Environments

def environment_item(tenant, env, expand=""):
    """An environment as BAP lists it; capacity only when `expand` asks for it."""
    expand = expand.lower()
    name = env.name
    created_by = principal(tenant, env.creator) if env.creator else {
        "id": "SYSTEM", "displayName": "SYSTEM", "type": "NotSpecified"}
    props = {
        "tenantId": tenant.tenant_id, "azureRegion": env.azure_region, "displayName": env.display_name,
        "description": env.description, "createdTime": iso(env.created), "createdBy": created_by,
        "lastModifiedTime": iso(env.created + 86400), "lastModifiedBy": created_by, "provisioningState": "Succeeded",
        "creationType": {"Default": "DefaultTenant", "Developer": "Developer", "Teams": "Teams"}.get(env.sku, "User"),
        "environmentSku": env.sku, "isDefault": env.is_default,
        "clientUris": {"admin": f"https://admin.powerplatform.microsoft.com/environments/environment/{name}/hub",
                       "maker": f"https://make.powerapps.com/environments/{name}/home"},
        "runtimeEndpoints": {
            "microsoft.BusinessAppPlatform": "https://europe.api.bap.microsoft.com",
            "microsoft.CommonDataModel": "https://europe.api.cds.microsoft.com",
            "microsoft.PowerApps": "https://europe.api.powerapps.com",
            "microsoft.Flow": "https://emea.api.flow.microsoft.com",
            "microsoft.PowerAppsAdvisor": "https://europe.api.advisor.powerapps.com",
            "microsoft.ApiManagement": "https://management.EUROPE.azure-apihub.net"},
        "databaseType": "CommonDataService" if env.dataverse else "None",
        "states": {"management": {"id": "Ready"}, "runtime": {"id": "Enabled"}},
        "retentionDetails": {"retentionPeriod": "P7D", "availableFromDateTime": iso(env.created),
                             "backupsAvailableFromDateTime": iso(max(env.created, tenant.now - 7 * 86400))},
        "retentionPeriod": "P7D", "notificationMetadata": {"state": "NotSpecified", "branding": "NotSpecific"},
        "protectionStatus": {"keyManagedBy": "Microsoft"},
        "cluster": {"category": "Prod", "number": str(100 + env.seed % 50), "uriSuffix": "",
                    "geoShortName": env.location[:2].upper(), "environment": "Prod"},
        "governanceConfiguration": {"protectionLevel": "Standard" if env.managed else "Basic",
                                    "settings": {"extendedSettings": {}} if env.managed else {}},
        # Undocumented fields the service sends today; clients must ignore them.
        "connectedGroups": [], "lifecycleOperationsEnforcement": {"allowedOperations": [], "disallowedOperations": []},
        "updateCadence": {"id": "Frequent"}, "trialScenarioType": "None",
    }
    dataverse = env.dataverse
    if dataverse:
        props["linkedEnvironmentMetadata"] = {
            "type": "Dynamics365Instance", "resourceId": dataverse["resourceId"],
            "friendlyName": dataverse["friendlyName"], "uniqueName": dataverse["uniqueName"],
            "domainName": dataverse["domainName"], "version": dataverse["version"],
            "instanceUrl": dataverse["instanceUrl"], "instanceApiUrl": dataverse["instanceApiUrl"],
            "baseLanguage": 1033, "instanceState": "Ready", "createdTime": iso(dataverse["created"]),
            "securityGroupId": dataverse["securityGroupId"], "backgroundOperationsState": "Enabled",
            "scaleGroup": "EURCRMLIVESG644", "platformSku": "Standard",
        }
        if "capacity" in expand:
            updated = iso(tenant.now - 3600)
            # Rated consumption is what counts against the entitlement: a database below the 1 GB
            # minimum is rated at 1,024 MB (recorded: 885 MB actual, 1,024 rated).
            props["capacity"] = [
                {"capacityType": kind, "actualConsumption": dataverse[key],
                 "ratedConsumption": max(dataverse[key], 1024.0) if kind == "Database" else dataverse[key],
                 "capacityUnit": "MB", "updatedOn": updated}
                for kind, key in (("Database", "database_mb"), ("File", "file_mb"), ("Log", "log_mb"))]
    elif "capacity" in expand:
        props["capacity"] = []
    return {"id": f"{BUSINESS_APP_PLATFORM}/{name}", "type": "Microsoft.BusinessAppPlatform/scopes/environments",
            "location": env.location, "name": name, "properties": props}


# Apps

APP_EXTRAS = {
    "canConsumeAppPass": True, "isCustomizable": True, "performanceOptimizationEnabled": True,
    "userAppMetadata": {"favorite": "NotSpecified", "includeInAppsList": True},
    "authorizationReferences": [], "enableModernRuntimeMode": False,
    "teamsOutlineIconUrl": "https://pafeblobprodam.blob.core.windows.net/20230101t000000z/outlineIcon.png",
}


def _data_sets(rng, connector, sources):
    if connector.name == "shared_sharepointonline":
        site = f"https://contoso.sharepoint.com/sites/{rng.choice(('Team', 'Finance', 'HR', 'Projects', 'IT'))}"
        return {site: {"dataSources": {source: {"tableName": uid(rng)} for source in sources}}}
    if connector.name == "shared_excelonlinebusiness":
        file = f"/Shared Documents/{rng.choice(('Budget', 'Tracker', 'Report'))}.xlsx"
        return {file: {"dataSources": {source: {"tableName": source} for source in sources}}}
    return {}


def _native_dataverse(app, env):
    # A canvas app in an environment with Dataverse uses it natively: a databaseReferences entry,
    # no connection reference (recorded: connectionReferences {} beside databaseReferences "default.cds").
    return bool(env.dataverse) and any(c.name == "shared_commondataserviceforapps" for c in app.connectors)


def _database_references(app, env):
    dataverse = env.dataverse
    return {"default.cds": {"databaseDetails": {
        "referenceType": "Environmental", "environmentName": "default.cds",
        "overrideValues": {"status": "NotSpecified"},
        "linkedEnvironmentMetadata": {
            "resourceId": dataverse["resourceId"], "friendlyName": dataverse["friendlyName"],
            "uniqueName": dataverse["uniqueName"], "domainName": dataverse["domainName"],
            "version": dataverse["version"], "instanceUrl": dataverse["instanceUrl"],
            "instanceApiUrl": dataverse["instanceApiUrl"], "baseLanguage": 1033, "instanceState": "Ready",
            "createdTime": iso(dataverse["created"]), "platformSku": "Standard"}},
        "dataSources": {"Accounts": {"entitySetName": "accounts", "logicalName": "account"}}}}


def _client_version(minor):
    return {"major": 3, "minor": minor, "build": 15, "revision": 0, "majorRevision": 0, "minorRevision": 0}


def _app_references(rng, app, native=False):
    references = {}
    for connector in app.connectors:
        if native and connector.name == "shared_commondataserviceforapps":
            continue
        sources = rng.sample(connector.data_sources, min(len(connector.data_sources), 1 + (rng.random() < 0.4)))
        references[uid(rng)] = {
            "id": connector_id(connector.name, lower=True), "displayName": connector.display_name,
            "iconUri": connector.icon_uri, "dataSources": sources, "dependencies": [], "dependents": [],
            "isOnPremiseConnection": False, "bypassConsent": False, "dataSets": _data_sets(rng, connector, sources),
            "apiTier": connector.tier, "isCustomApiConnection": connector.is_custom,
        }
    return references


def _dlp_result(tenant, app, env):
    violations = []
    for policy in tenant.policies:
        if not policy.applies_to(env.name):
            continue
        for connector in app.connectors:
            if policy.classify(connector.name) == "Blocked":
                violations.append({"policy": {"id": policy.name, "displayName": policy.display_name},
                                   "connectorId": connector.id, "type": "BlockedConnector"})
    return {"status": "Blocked" if violations else "Compliant", "lastEvaluationDate": iso(app.modified + 60),
            "violations": violations, "violationsByPolicy": [
                {"policy": v["policy"], "violations": [v]} for v in violations]}


def app_item(tenant, app, env):
    """The admin list / GET shape of an app, as bytes (cached on the app until it changes)."""
    if app.cached is not None:
        return app.cached
    rng = random.Random(app.seed)
    owner = principal(tenant, app.owner)
    query = f"tenantId={tenant.tenant_id}"
    premium = any(c.tier == "Premium" for c in app.connectors)
    native = _native_dataverse(app, env)
    minor = 24000 + rng.randrange(900)
    props = {
        "appVersion": iso(app.modified), "lastDraftVersion": iso(app.modified), "lifeCycleId": "Published",
        "status": "Ready", "createdByClientVersion": _client_version(minor), "minClientVersion": _client_version(minor),
        "displayName": app.display_name, "description": "" if rng.random() < 0.6 else f"{app.display_name} app",
        "commitMessage": None, "appUris": {"documentUri": {"value": f"https://pafeblobprodam.blob.core.windows.net/"
                                                                    f"{app.name}/document.msapp"}},
        "createdTime": iso(app.created), "lastModifiedTime": iso(app.modified),
        "lastPublishTime": iso(app.published), "backgroundColor": "rgba(0, 176, 240, 1)",
        "backgroundImageUri": "", "owner": owner, "createdBy": owner, "lastModifiedBy": owner,
        "lastPublishedBy": owner, "sharedUsersCount": app.shared_users, "sharedGroupsCount": app.shared_groups,
        "appOpenProtocolUri": f"ms-apps:///providers/Microsoft.PowerApps/apps/{app.name}",
        "appOpenUri": f"https://apps.powerapps.com/play/e/{app.env}/a/{app.name}?{query}",
        "appPlayUri": f"https://apps.powerapps.com/play/e/{app.env}/a/{app.name}?{query}",
        "environment": {"id": f"/providers/Microsoft.PowerApps/environments/{app.env}", "name": app.env,
                        "location": env.location},
        "connectionReferences": _app_references(rng, app, native),
        "databaseReferences": _database_references(app, env) if native else {},
        "almMode": "Solution" if app.solution else "Environment",
        "executionRestrictions": {
            "isTeamsOnly": env.sku == "Teams",
            "appQuarantineState": {"quarantineStatus": "Quarantined" if app.quarantined else "Unquarantined"},
            "dataLossPreventionEvaluationResult": _dlp_result(tenant, app, env)},
        "appPlanClassification": "Premium" if premium else "Standard", "usesPremiumApi": premium,
        "usesOnlyGrandfatheredPremiumApis": False, "unauthenticatedWebPackageHint": uid(rng),
        "usesCustomApi": any(c.is_custom for c in app.connectors), "usesOnPremiseGateway": False,
        "usesPcfExternalServiceUsage": False, "isFeaturedApp": False, "isHeroApp": False, "bypassConsent": False,
        **pick_extras(rng, APP_EXTRAS),
    }
    if app.kind == "sharepoint_form":
        props["embeddedApp"] = {"type": "SharepointFormApp", "siteId": "https://contoso.sharepoint.com/sites/Team",
                                "listId": uid(rng), "screenWidth": 1366, "screenHeight": 768}
    item = {
        "name": app.name, "id": f"/providers/Microsoft.PowerApps/scopes/admin/environments/{app.env}/apps/{app.name}",
        "type": "Microsoft.PowerApps/scopes/admin/apps",
        "tags": {"primaryDeviceWidth": "1366", "primaryDeviceHeight": "768", "supportsPortrait": "true",
                 "supportsLandscape": "true", "primaryFormFactor": "Tablet", "publisherVersion": "3.24043.11",
                 "minimumRequiredApiVersion": "2.2.0", "hasComponent": "false", "hasUnlockedComponent": "false",
                 "isUnifiedRootApp": "false",
                 "sienaVersion": time.strftime("%Y%m%dT%H%M%S000Z", time.gmtime(app.modified))},
        "appType": "CustomCanvasPage" if app.kind == "custom_page" else "ClassicCanvasApp",
        "isAppComponentLibrary": app.kind == "component_library",
        "properties": props,
    }
    if app.solution:
        item["logicalName"] = app.logical()
    app.cached = dumps(item)
    return app.cached


# Connectors and connections

# The backends custom connectors call: what DLP custom connector URL patterns match.
CUSTOM_HOSTS = (("https", "api.contoso.com"), ("https", "erp.contoso.com"), ("https", "api.fabrikam.net"),
                ("http", "legacy.contoso.local"))


def custom_host(connector):
    """(scheme, host) of a custom connector's definition, fixed by its name."""
    return CUSTOM_HOSTS[int(hashlib.sha256(connector.name.encode()).hexdigest(), 16) % len(CUSTOM_HOSTS)]


def swagger_signature(tenant, connector):
    """The SAS signature of a custom connector's definition link (its query is the credential)."""
    return hashlib.sha256(f"{tenant.tenant_id}:{connector.name}".encode()).hexdigest()[:32]


def swagger(connector):
    """A custom connector's OpenAPI definition, as the maker uploaded it."""
    scheme, host = custom_host(connector)
    return {"swagger": "2.0", "info": {"title": connector.display_name, "version": "1.0"}, "host": host,
            "basePath": "/", "schemes": [scheme], "paths": {
                f"/{action.lower()}": {"post": {"operationId": action, "responses": {"200": {"description": "OK"}}}}
                for action in connector.actions}}


def connector_item(tenant, connector, env, base_url=""):
    """A connector as the catalogue lists it (custom ones with createdBy as a string, and their definition)."""
    props = {
        "displayName": connector.display_name, "iconUri": connector.icon_uri,
        "iconBrandColor": connector.brand_color, "description": f"{connector.display_name} connector",
        "tier": connector.tier, "publisher": connector.publisher, "isCustomApi": connector.is_custom,
        "capabilities": list(connector.capabilities), "connectionParameters": {}, "runtimeUrls": [
            f"https://europe-002.azure-apim.net/apim/{connector.name.removeprefix('shared_')}"],
        "primaryRuntimeUrl": f"https://europe-002.azure-apim.net/apim/{connector.name.removeprefix('shared_')}",
        "apiEnvironment": "Shared", "createdTime": iso(connector.created or tenant.now - 4 * 365 * 86400),
        "changedTime": iso(connector.created or tenant.now - 30 * 86400),
        "metadata": {"source": "powerapps-user-defined" if connector.is_custom else "marketplace",
                     "brandColor": connector.brand_color, "useNewApimVersion": "true", "version": {
                         "previous": "releases/v1.0.1717", "current": "releases/v1.0.1718"}},
    }
    if connector.is_custom:
        maker = connector.created_by
        props["metadata"].update({
            "environmentName": env.name, "almMode": "Environment",
            # A JSON-encoded string, not an object: clients must parse it.
            "createdBy": json.dumps({"id": maker.oid, "displayName": maker.display_name, "email": maker.mail,
                                     "type": "User", "tenantId": tenant.tenant_id,
                                     "userPrincipalName": maker.upn})})
        props["createdBy"] = props["modifiedBy"] = principal(tenant, maker)
        props["metadata"]["modifiedBy"] = props["metadata"]["createdBy"]
        link = f"{base_url}/api-swagger-files/{connector.name}.json_original?sv=2018-03-28&sr=b" \
               f"&sig={swagger_signature(tenant, connector)}&sp=r"
        props["apiDefinitions"] = {"originalSwaggerUrl": link,
                                   "modifiedSwaggerUrl": link.replace(".json_original", ".json")}
        props["environment"] = {"id": f"/providers/Microsoft.PowerApps/environments/{env.name}", "name": env.name}
    return {"name": connector.name, "id": connector.id, "type": "Microsoft.PowerApps/apis", "properties": props}


def connection_item(tenant, connection, env):
    """A connection as the admin list shows it."""
    connector = connection.connector
    status = {"status": connection.status}
    if connection.status == "Error":
        status["error"] = {"code": "Unauthenticated", "message": "This connection is not authenticated."}
    return {
        "name": connection.name,
        "id": f"/providers/Microsoft.PowerApps/scopes/admin/environments/{env.name}/apis/{connector.name}"
              f"/connections/{connection.name}",
        "type": "Microsoft.PowerApps/scopes/admin/environments/apis/connections",
        "properties": {
            "apiId": connector.id, "displayName": connection.owner.mail, "iconUri": connector.icon_uri,
            "createdTime": iso(connection.created), "lastModifiedTime": iso(connection.created),
            "createdBy": principal(tenant, connection.owner),
            "environment": {"name": env.name, "id": f"/providers/Microsoft.PowerApps/environments/{env.name}"},
            "statuses": [status], "connectionParameters": {}, "keywordsRemainingUnchanged": True,
            "allowSharing": False, "testLinks": [],
        },
    }


# DLP policies

# Policies name the built-in HTTP connectors by virtual ids (recorded: the governance API's virtual connectors).
VIRTUAL_IDS = {"http": "Http", "httpwebhook": "HttpWebhook", "request": "HttpRequestReceived"}


def _policy_definition(policy, with_groups):
    body = {
        "name": policy.name, "displayName": policy.display_name,
        "defaultConnectorsClassification": policy.default_group, "environmentType": policy.scope,
        "environments": [{"id": f"{BUSINESS_APP_PLATFORM}/{name}", "name": name,
                          "type": "Microsoft.BusinessAppPlatform/scopes/environments"} for name in policy.environments],
        "createdBy": {"displayName": policy.created_by}, "createdTime": iso(policy.created),
        "lastModifiedBy": {"displayName": policy.created_by}, "lastModifiedTime": iso(policy.modified),
        "etag": policy.etag, "isLegacySchemaVersion": False,
    }
    if with_groups:
        names = {c.name: c.display_name for c in CONNECTORS}
        body["connectorGroups"] = [
            {"classification": group, "connectors": [
                {"id": VIRTUAL_IDS.get(name, connector_id(name)), "name": names.get(name, name),
                 "type": "Microsoft.PowerApps/apis"}
                for name in sorted(policy.groups[group])]}
            for group in ("Confidential", "General", "Blocked")]
    return body


def policy_v1(policy):
    """A DLP policy in the flat v1 shape."""
    return _policy_definition(policy, with_groups=True)


def policy_v2(policy, full):
    """A DLP policy in the v2 shape; connector groups only when `full`."""
    body = {"policyDefinition": _policy_definition(policy, with_groups=full)}
    if not full:
        return body
    body["customConnectorUrlPatternsDefinition"] = {"rules": [
        {"order": order, "customConnectorRuleClassification": group, "pattern": pattern}
        for order, (pattern, group) in enumerate(policy.url_patterns, start=1)]}
    if policy.action_rules or policy.endpoint_rules:  # a policy without them has no such block (recorded: a1)
        body["connectorConfigurationsDefinition"] = {
            "connectorActionConfigurations": [
                {"connectorId": connector_id(name), "actionRules": [
                    {"actionId": action, "behavior": behavior} for action, behavior in actions.items()],
                 "defaultConnectorActionRuleBehavior": default}
                for name, (default, actions) in policy.action_rules.items()],
            "endpointConfigurations": [
                {"connectorId": VIRTUAL_IDS.get(name, connector_id(name)), "endpointRules": [
                    {"order": order, "behavior": behavior, "endPoint": endpoint}
                    for order, (endpoint, behavior) in enumerate(rules, start=1)]}
                for name, rules in policy.endpoint_rules.items()]}
    return body


# Graph

# A v1.0 user's default properties: what Graph answers without $select (recorded: users/{id} and a
# directoryObject collection carry these eleven and no department or accountEnabled).
USER_DEFAULTS = ("businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
                 "preferredLanguage", "surname", "userPrincipalName")


def user_item(maker, select=()):
    """A Graph user object: the default properties, or those `select` names (with the id and type)."""
    every = {"id": maker.oid, "businessPhones": [], "displayName": maker.display_name, "givenName": maker.given_name,
             "jobTitle": maker.job_title, "mail": maker.mail, "mobilePhone": None, "officeLocation": maker.office,
             "preferredLanguage": "en-US", "surname": maker.surname, "userPrincipalName": maker.upn,
             "department": maker.department, "accountEnabled": maker.enabled}
    wanted = {name.lower() for name in select} or {name.lower() for name in USER_DEFAULTS}
    return {"@odata.type": "#microsoft.graph.user", "id": maker.oid,
            **{key: value for key, value in every.items() if key.lower() in wanted}}
