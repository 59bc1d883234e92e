// The azuread.getUser data source, as the real provider (6.x, Terraform azuread 3.x)
// reads it: find the user by exactly one of userPrincipalName, objectId, mail,
// mailNickname or employeeId (in that order of precedence), read it again with an
// explicit $select, then its manager (404 = none). Missing values become "", false or [].

import { unexpected } from "./graph";
import { CheckFailure, isUnknown, optionalString, Props } from "./properties";
import { FunctionType, OperationContext } from "./types";

const LOOKUP_KEYS = ["employeeId", "mail", "mailNickname", "objectId", "userPrincipalName"] as const;

/** The properties the real provider selects: Graph changes its default set over time. */
const SELECT = [
    "accountEnabled",
    "ageGroup",
    "businessPhones",
    "city",
    "companyName",
    "consentProvidedForMinor",
    "country",
    "creationType",
    "department",
    "displayName",
    "employeeHireDate",
    "employeeId",
    "employeeOrgData",
    "employeeType",
    "externalUserState",
    "faxNumber",
    "givenName",
    "id",
    "imAddresses",
    "jobTitle",
    "mail",
    "mailNickname",
    "mobilePhone",
    "officeLocation",
    "onPremisesDistinguishedName",
    "onPremisesDomainName",
    "onPremisesImmutableId",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "onPremisesUserPrincipalName",
    "otherMails",
    "postalCode",
    "preferredLanguage",
    "proxyAddresses",
    "showInAddressList",
    "state",
    "streetAddress",
    "surname",
    "usageLocation",
    "userPrincipalName",
    "userType",
];

type GraphUser = Record<string, unknown> & { id?: string; employeeOrgData?: { costCenter?: string | null; division?: string | null } | null };

const text = (value: unknown): string => (typeof value === "string" ? value : "");
const flag = (value: unknown): boolean => value === true;
const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

const odataString = (value: string) => `'${value.replace(/'/g, "''")}'`;

async function findByFilter(context: OperationContext, property: string, value: string, describe: string): Promise<string> {
    const filter = encodeURIComponent(`${property} eq ${odataString(value)}`);
    const response = await context.graph.request("GET", `/v1.0/users?$filter=${filter}`, undefined, context.deadline);
    if (response.status !== 200) throw new Error(`Finding user with ${describe}: ${JSON.stringify(value)}: ${unexpected(response).message}`);
    const users = ((response.body as { value?: GraphUser[] })?.value ?? []) as GraphUser[];
    if (users.length > 1) throw new Error(`More than one user found with ${describe}: ${JSON.stringify(value)}`);
    if (users.length === 0) {
        throw new Error(
            property === "userPrincipalName"
                ? `User with UPN ${JSON.stringify(value)} was not found`
                : `User not found with ${describe}: ${JSON.stringify(value)}`,
        );
    }
    if (!users[0].id) throw new Error("Bad API Response: API returned user with nil object ID");
    return users[0].id;
}

async function findObjectId(args: Props, context: OperationContext): Promise<string> {
    const upn = optionalString(args, "userPrincipalName");
    if (upn !== undefined) return findByFilter(context, "userPrincipalName", upn, "UPN");
    const objectId = optionalString(args, "objectId");
    if (objectId !== undefined) {
        const response = await context.graph.request("GET", `/v1.0/users/${encodeURIComponent(objectId)}`, undefined, context.deadline);
        if (response.status === 404) throw new Error(`User not found with object ID: ${JSON.stringify(objectId)}`);
        if (response.status !== 200) throw new Error(`Retrieving user with object ID: ${JSON.stringify(objectId)}: ${unexpected(response).message}`);
        return objectId;
    }
    const mail = optionalString(args, "mail");
    if (mail !== undefined) return findByFilter(context, "mail", mail, "mail");
    const mailNickname = optionalString(args, "mailNickname");
    if (mailNickname !== undefined) return findByFilter(context, "mailNickname", mailNickname, "email alias");
    return findByFilter(context, "employeeId", optionalString(args, "employeeId") ?? "", "employee ID");
}

export const getUser: FunctionType = {
    token: "azuread:index/getUser:getUser",

    check(args) {
        const given = LOOKUP_KEYS.filter((key) => args[key] !== undefined && args[key] !== null && args[key] !== "");
        if (given.length === 1) {
            return typeof args[given[0]] === "string" || isUnknown(args[given[0]])
                ? []
                : [{ property: given[0], reason: `expected "${given[0]}" to be a string` }];
        }
        const reason =
            given.length === 0
                ? `one of \`${LOOKUP_KEYS.join(",")}\` must be specified`
                : `only one of \`${LOOKUP_KEYS.join(",")}\` can be specified, but \`${given.join(",")}\` were specified.`;
        return (given.length === 0 ? [...LOOKUP_KEYS] : given).map((property): CheckFailure => ({
            property,
            reason: `Invalid combination of arguments: ${reason}`,
        }));
    },

    async invoke(args, context) {
        const objectId = await findObjectId(args, context);
        const path = `/v1.0/users/${encodeURIComponent(objectId)}`;
        const response = await context.graph.request("GET", `${path}?$select=${SELECT.join(",")}`, undefined, context.deadline);
        if (response.status !== 200) throw new Error(`Retrieving /users/${objectId}: ${unexpected(response).message}`);
        const user = response.body as GraphUser;

        const manager = await context.graph.request("GET", `${path}/manager`, undefined, context.deadline);
        if (manager.status !== 200 && manager.status !== 404)
            throw new Error(`Could not retrieve manager for /users/${objectId}: ${unexpected(manager).message}`);
        const managerId = manager.status === 200 ? text((manager.body as GraphUser).id) : "";

        return {
            id: `/users/${objectId}`,
            objectId,
            accountEnabled: flag(user.accountEnabled),
            ageGroup: text(user.ageGroup),
            businessPhones: list(user.businessPhones),
            city: text(user.city),
            companyName: text(user.companyName),
            consentProvidedForMinor: text(user.consentProvidedForMinor),
            costCenter: text(user.employeeOrgData?.costCenter),
            country: text(user.country),
            creationType: text(user.creationType),
            department: text(user.department),
            displayName: text(user.displayName),
            division: text(user.employeeOrgData?.division),
            employeeHireDate: text(user.employeeHireDate),
            employeeId: text(user.employeeId),
            employeeType: text(user.employeeType),
            externalUserState: text(user.externalUserState),
            faxNumber: text(user.faxNumber),
            givenName: text(user.givenName),
            imAddresses: list(user.imAddresses),
            jobTitle: text(user.jobTitle),
            mail: text(user.mail),
            mailNickname: text(user.mailNickname),
            managerId,
            mobilePhone: text(user.mobilePhone),
            officeLocation: text(user.officeLocation),
            onpremisesDistinguishedName: text(user.onPremisesDistinguishedName),
            onpremisesDomainName: text(user.onPremisesDomainName),
            onpremisesImmutableId: text(user.onPremisesImmutableId),
            onpremisesSamAccountName: text(user.onPremisesSamAccountName),
            onpremisesSecurityIdentifier: text(user.onPremisesSecurityIdentifier),
            onpremisesSyncEnabled: flag(user.onPremisesSyncEnabled),
            onpremisesUserPrincipalName: text(user.onPremisesUserPrincipalName),
            otherMails: list(user.otherMails),
            postalCode: text(user.postalCode),
            preferredLanguage: text(user.preferredLanguage),
            proxyAddresses: list(user.proxyAddresses),
            showInAddressList: flag(user.showInAddressList),
            state: text(user.state),
            streetAddress: text(user.streetAddress),
            surname: text(user.surname),
            usageLocation: text(user.usageLocation),
            userPrincipalName: text(user.userPrincipalName),
            userType: text(user.userType),
        };
    },
};
