"""Static vocabulary of the fake tenant: the connector catalogue, names, departments, regions."""

from dataclasses import dataclass, field

__all__ = [
    "APP_NOUNS", "CONNECTORS", "CUSTOM_PREFIXES", "Connector", "DATAVERSE_TABLES", "DEPARTMENTS", "FIRST_NAMES",
    "FLOW_PATTERNS", "JOB_TITLES", "LAST_NAMES", "LISTS", "OFFICES", "REGIONS", "SQL_TABLES", "TABLES", "TEAM_NAMES",
    "connector_id",
]

ICON_BASE = "https://connectoricons-prod.azureedge.net/releases/v1.0.1718/1.0.1718.3946"


def connector_id(name, lower=False):
    """The resource id of connector `name`; apps spell it in lower case, flows and DLP in mixed case."""
    text = f"/providers/Microsoft.PowerApps/apis/{name}"
    return text.lower() if lower else text


@dataclass(frozen=True, eq=False)
class Connector:
    """A connector of the catalogue, or a custom connector of one environment."""

    name: str
    display_name: str
    tier: str  # Standard | Premium
    group: str  # standard | premium | social | custom
    brand_color: str = "#0078D4"
    data_sources: tuple = ()
    triggers: tuple = ()
    actions: tuple = ()
    weight: float = 1.0
    publisher: str = "Microsoft"
    environment: str = ""
    created_by: object = None  # the Maker who made a custom connector
    created: float = 0.0
    capabilities: tuple = ("actions", "cloud")
    extra: dict = field(default_factory=dict)

    @property
    def id(self):
        """The connector's resource id, in mixed case."""
        return connector_id(self.name)

    @property
    def is_custom(self):
        """Whether an environment's maker made it."""
        return self.group == "custom"

    @property
    def icon_uri(self):
        """Where the connector's icon lives."""
        if self.is_custom:
            return "https://az787822.vo.msecnd.net/defaulticons/api-dedicated.png"
        return f"{ICON_BASE}/{self.name.removeprefix('shared_')}/icon.png"


def _c(name, display, tier, group, color, weight, sources=(), triggers=(), actions=(), caps=("actions", "cloud")):
    return Connector(f"shared_{name}", display, tier, group, color, tuple(sources), tuple(triggers), tuple(actions),
                     weight, capabilities=caps)


LISTS = ("Issues", "Documents", "Assets", "Expense Requests", "Site Inspections", "Projects", "Vacation Requests",
         "Contacts", "Tasks", "Announcements", "Equipment Loans", "Suppliers")
TABLES = ("Table1", "Budget", "Sales", "Inventory", "Timesheet", "Orders", "Headcount")
SQL_TABLES = ("[dbo].[Orders]", "[dbo].[Customers]", "[dbo].[Invoices]", "[sales].[Leads]")
DATAVERSE_TABLES = ("Accounts", "Contacts", "Users", "Teams", "Tasks", "cr5f1_assets", "cr5f1_requests")

CONNECTORS = (
    # Standard
    _c("sharepointonline", "SharePoint", "Standard", "standard", "#036C70", 20, LISTS,
       ("GetOnNewItems", "GetOnUpdatedItems", "GetOnNewFileItems"), ("GetItems", "PostItem", "PatchItem",
                                                                     "GetFileContent", "CreateFile", "DeleteItem"),
       ("tabular", "blob", "cloud")),
    _c("office365", "Office 365 Outlook", "Standard", "standard", "#0078D4", 18, (),
       ("OnNewEmailV3", "CalendarGetOnNewItemsV3"), ("SendEmailV2", "GetEmailsV3", "V4CalendarPostItem")),
    _c("onedriveforbusiness", "OneDrive for Business", "Standard", "standard", "#0078D4", 8, (),
       ("OnNewFilesV2",), ("CreateFile", "GetFileContentByPath", "ListFolderV2"), ("blob", "cloud")),
    _c("teams", "Microsoft Teams", "Standard", "standard", "#4B53BC", 12, (),
       ("OnNewChannelMessage",), ("PostMessageToConversation", "PostCardAndWaitForResponse")),
    _c("excelonlinebusiness", "Excel Online (Business)", "Standard", "standard", "#107C41", 8, TABLES,
       (), ("GetItems", "AddRowV2", "PatchItem"), ("tabular", "cloud")),
    _c("approvals", "Approvals", "Standard", "standard", "#0984E3", 7, (),
       (), ("StartAndWaitForAnApproval", "CreateAnApproval")),
    _c("microsoftforms", "Microsoft Forms", "Standard", "standard", "#008272", 6, (),
       ("CreateFormWebhook",), ("GetFormResponseById",)),
    _c("planner", "Planner", "Standard", "standard", "#31752F", 4, (),
       (), ("CreateTask_V3", "ListTasks_V3")),
    _c("office365users", "Office 365 Users", "Standard", "standard", "#0078D4", 6, (),
       (), ("UserProfile_V2", "Manager_V2", "SearchUserV2")),
    _c("commondataserviceforapps", "Microsoft Dataverse", "Standard", "standard", "#742774", 5, DATAVERSE_TABLES,
       ("SubscribeWebhookTrigger",), ("ListRecords", "CreateRecord", "UpdateRecord"), ("tabular", "cloud")),
    # Premium
    _c("sql", "SQL Server", "Premium", "premium", "#BA141A", 3, SQL_TABLES,
       ("GetOnNewItems_V2",), ("GetItems_V2", "PostItem_V2", "ExecuteProcedure_V2"), ("tabular", "cloud", "gateway")),
    _c("webcontents", "HTTP with Microsoft Entra ID (preauthorized)", "Premium", "premium", "#3F8CBF", 2, (),
       (), ("InvokeHttp",)),
    _c("salesforce", "Salesforce", "Premium", "premium", "#1EB8EB", 1, ("Account", "Opportunity", "Lead"),
       ("GetOnNewItems",), ("GetItems", "PostItem")),
    _c("service-now", "ServiceNow", "Premium", "premium", "#D1232B", 1, (),
       (), ("GetRecords", "CreateRecord")),
    _c("azureblob", "Azure Blob Storage", "Premium", "premium", "#804998", 1.5, (),
       (), ("CreateFile_V2", "GetFileContent_V2"), ("blob", "cloud")),
    # Social and consumer
    _c("twitter", "Twitter", "Standard", "social", "#1DA1F2", 0.5, (), ("OnNewTweet",), ("Tweet",)),
    _c("facebook", "Facebook", "Standard", "social", "#3B5998", 0.3, (), (), ("PostToMyTimeline",)),
    _c("dropbox", "Dropbox", "Standard", "social", "#0061FF", 0.5, (), ("OnNewFile",), ("CreateFile",),
       ("blob", "cloud")),
    _c("gmail", "Gmail", "Standard", "social", "#D44638", 0.7, (), ("OnNewEmail",), ("SendEmailV2",)),
)

CUSTOM_PREFIXES = ("contoso-erp", "hr-portal", "invoice-api", "warehouse", "crm-bridge", "ticketing", "payroll",
                   "fleet-tracker")

FIRST_NAMES = (
    "Ada", "Adele", "Alex", "Allan", "Amira", "Anna", "Ben", "Bianca", "Carlos", "Chen", "Chloe", "Daniel", "Diego",
    "Elena", "Emil", "Emma", "Fatima", "Felix", "Grace", "Hana", "Hugo", "Ines", "Isaac", "Jonas", "Julia", "Kai",
    "Karin", "Lars", "Leila", "Lena", "Liam", "Lucia", "Marco", "Maria", "Megan", "Mika", "Nadia", "Nestor", "Nina",
    "Noah", "Olga", "Omar", "Patti", "Pedro", "Priya", "Rafael", "Rosa", "Sam", "Sara", "Sofia", "Tariq", "Tom",
    "Uma", "Victor", "Wei", "Yara", "Yusuf", "Zoe",
)
LAST_NAMES = (
    "Adams", "Ahmed", "Andersen", "Baker", "Becker", "Bianchi", "Brown", "Castro", "Chen", "Costa", "Dubois",
    "Eriksson", "Fischer", "Garcia", "Gomez", "Gupta", "Hansen", "Hoffmann", "Ito", "Jansen", "Johnson", "Kim",
    "Kowalski", "Kumar", "Larsen", "Lee", "Lopez", "Martin", "Meyer", "Moreau", "Muller", "Nakamura", "Nguyen",
    "Novak", "Okafor", "Olsen", "Patel", "Petrov", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith",
    "Suzuki", "Tanaka", "Taylor", "Vargas", "Wagner", "Wang", "Weber", "Williams", "Wilson", "Wong", "Yilmaz",
    "Zhang",
)
DEPARTMENTS = ("Finance", "HR", "Sales", "Marketing", "IT", "Operations", "Legal", "R&D")
OFFICES = ("Seattle", "London", "Berlin", "Paris", "Amsterdam", "Singapore", "Sydney", "Toronto", "Madrid",
           "Remote")
JOB_TITLES = ("Analyst", "Specialist", "Manager", "Coordinator", "Engineer", "Consultant", "Team Lead", "Associate")

# (geo, Azure regions, Dataverse host suffix)
REGIONS = (
    ("unitedstates", ("westus", "eastus", "centralus"), "crm"),
    ("europe", ("westeurope", "northeurope"), "crm4"),
    ("unitedkingdom", ("uksouth", "ukwest"), "crm11"),
    ("asia", ("southeastasia", "eastasia"), "crm5"),
    ("australia", ("australiaeast", "australiasoutheast"), "crm6"),
    ("canada", ("canadacentral", "canadaeast"), "crm3"),
    ("japan", ("japaneast", "japanwest"), "crm7"),
)

APP_NOUNS = (
    "Expense Tracker", "Leave Requests", "Asset Inventory", "Onboarding Checklist", "Site Inspection", "Help Desk",
    "Budget Planner", "Room Booking", "Visitor Sign-in", "Time Sheets", "Contract Register", "Lead Capture",
    "Incident Report", "Travel Requests", "Equipment Loans", "Training Tracker", "Purchase Orders", "Event Planner",
    "Supplier Portal", "Risk Register", "Campaign Hub", "Field Service", "Shift Planner", "Ideas Board",
)
FLOW_PATTERNS = (
    "When a new item is created in {list}, send an email", "Daily {dept} report", "Approval for {list}",
    "Sync {list} to SQL", "Reminder: {noun} due", "Save email attachments to OneDrive", "Notify {dept} in Teams",
    "Weekly {noun} digest", "Copy {list} to Excel", "Post new {list} to Teams", "{noun} escalation",
    "Archive old {list}", "Welcome new starters", "Forms response to {list}",
)
TEAM_NAMES = ("Sales Team", "Marketing Hub", "IT Support", "Project Phoenix", "Finance Crew", "Field Ops",
              "Legal Desk", "R&D Lab")
