// Graph representations of the tenant's directory objects. Each function returns the
// full property set; $select (or the type's default set) picks what is sent.
import { skuId } from "../../data/directory";
import { Group, User } from "../../seed/types";
import { SignInApplication, Tenant } from "../../tenant/tenant";

/** Properties Graph v1.0 returns for a user without $select (accountEnabled is not among them). */
export const USER_DEFAULT_PROPERTIES = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

export function userRepresentation(user: User): Record<string, unknown> {
    const [first, ...rest] = user.displayName.split(" ");
    return {
        id: user.id,
        accountEnabled: user.accountEnabled,
        ageGroup: null,
        assignedLicenses: user.licenses.map((l) => ({ disabledPlans: [], skuId: skuId(l) })),
        businessPhones: [],
        city: null,
        companyName: null,
        consentProvidedForMinor: null,
        country: null,
        createdDateTime: "2024-01-01T00:00:00Z",
        creationType: null,
        department: null,
        displayName: user.displayName,
        employeeHireDate: null,
        employeeId: null,
        employeeOrgData: null,
        employeeType: null,
        externalUserState: null,
        faxNumber: null,
        givenName: rest.length > 0 ? first : null,
        imAddresses: [],
        jobTitle: null,
        mail: null,
        mailNickname: user.userPrincipalName.split("@")[0],
        mobilePhone: null,
        officeLocation: null,
        onPremisesDistinguishedName: null,
        onPremisesDomainName: null,
        onPremisesImmutableId: null,
        onPremisesSamAccountName: null,
        onPremisesSecurityIdentifier: null,
        onPremisesSyncEnabled: null,
        onPremisesUserPrincipalName: null,
        otherMails: [],
        postalCode: null,
        preferredLanguage: null,
        proxyAddresses: [],
        showInAddressList: null,
        state: null,
        streetAddress: null,
        surname: rest.length > 0 ? rest.join(" ") : null,
        // licences can only be assigned to users with a usage location
        usageLocation: user.licenses.length > 0 ? "GB" : null,
        userPrincipalName: user.userPrincipalName,
        userType: "Member",
    };
}

/** A user with every property and empty values: types a $filter over an empty list of users. */
export const BLANK_USER = userRepresentation({ id: "", userPrincipalName: "x@y", displayName: "", accountEnabled: true, licenses: [] });

export const SERVICE_PRINCIPAL_DEFAULT_PROPERTIES = [
    "id",
    "accountEnabled",
    "appDisplayName",
    "appId",
    "appOwnerOrganizationId",
    "displayName",
    "servicePrincipalNames",
    "servicePrincipalType",
    "signInAudience",
    "tags",
];

export function servicePrincipalRepresentation(app: SignInApplication, tenantId: string): Record<string, unknown> {
    return {
        id: app.objectId,
        accountEnabled: true,
        appDisplayName: app.displayName,
        appId: app.clientId,
        appOwnerOrganizationId: tenantId,
        displayName: app.displayName,
        servicePrincipalNames: [app.clientId],
        servicePrincipalType: "Application",
        signInAudience: "AzureADMyOrg",
        tags: [],
    };
}

export const GROUP_DEFAULT_PROPERTIES = [
    "id",
    "createdDateTime",
    "description",
    "displayName",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "securityEnabled",
    "visibility",
];

export function groupRepresentation(group: Group): Record<string, unknown> {
    return {
        id: group.id,
        createdDateTime: "2024-01-01T00:00:00Z",
        description: null,
        displayName: group.displayName,
        groupTypes: [],
        // Graph reports true for a role-assignable group and null for the others
        isAssignableToRole: group.isAssignableToRole ? true : null,
        mail: null,
        mailEnabled: false,
        mailNickname: group.displayName.replace(/[^A-Za-z0-9]/g, "").toLowerCase() || "group",
        securityEnabled: true,
        visibility: null,
    };
}

/**
 * Any directory object by id. Collections of mixed types (group members,
 * directoryObjects) tag each item with @odata.type, which the azuread provider uses
 * to pick the object's type.
 */
export function directoryObject(
    tenant: Tenant,
    id: string,
): { representation: Record<string, unknown>; defaults: readonly string[]; type: string } | undefined {
    const principal = tenant.principal(id);
    if (principal?.kind === "user")
        return { representation: userRepresentation(principal.user), defaults: USER_DEFAULT_PROPERTIES, type: "microsoft.graph.user" };
    if (principal?.kind === "application") {
        return {
            representation: servicePrincipalRepresentation(principal.application, tenant.tenantId),
            defaults: SERVICE_PRINCIPAL_DEFAULT_PROPERTIES,
            type: "microsoft.graph.servicePrincipal",
        };
    }
    const group = tenant.group(id);
    return group ? { representation: groupRepresentation(group), defaults: GROUP_DEFAULT_PROPERTIES, type: "microsoft.graph.group" } : undefined;
}

type DirectoryObject = NonNullable<ReturnType<typeof directoryObject>>;

/**
 * A lookup of directory objects for one request: the same answers as directoryObject,
 * but each object found in one pass, so a group of 100,000 members is resolved in
 * linear time rather than one scan of the tenant per member.
 */
export function directoryObjectLookup(tenant: Tenant): (id: string) => DirectoryObject | undefined {
    const users = new Map(tenant.state.users.map((u) => [u.id, u]));
    const applications = new Map(tenant.applications().map((a) => [a.objectId, a]));
    const groups = new Map(tenant.state.groups.map((g) => [g.id, g]));
    return (rawId) => {
        const id = rawId.toLowerCase();
        const user = users.get(id);
        if (user) return { representation: userRepresentation(user), defaults: USER_DEFAULT_PROPERTIES, type: "microsoft.graph.user" };
        const application = applications.get(id);
        if (application)
            return {
                representation: servicePrincipalRepresentation(application, tenant.tenantId),
                defaults: SERVICE_PRINCIPAL_DEFAULT_PROPERTIES,
                type: "microsoft.graph.servicePrincipal",
            };
        const group = groups.get(id);
        return group ? { representation: groupRepresentation(group), defaults: GROUP_DEFAULT_PROPERTIES, type: "microsoft.graph.group" } : undefined;
    };
}
