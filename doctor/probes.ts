// Whether Entra PIM answers for the tenant, with Graph's own words when it does not. The
// program reads the same endpoint (providers/clients/pim.ts, listActiveRoleSchedules), but turns
// a refusal into an error with its fix; the doctor wants the answer itself, to report it
// as one check among others. Through the program's one HTTP layer, GET only.
//
//   GET {graph}/v1.0/roleManagement/directory/roleAssignmentScheduleInstances?$filter=principalId eq '{id}'
//
// Without Microsoft Entra ID P2 every PIM call is answered 400 AadPremiumLicenseRequired.

import { ClientContext, parseAnswer } from "../providers";

export type PimAvailability = { readonly available: true } | { readonly available: false; readonly message: string };

export async function probePim(ctx: ClientContext, principalId: string): Promise<PimAvailability> {
    const filter = encodeURIComponent(`principalId eq '${principalId.toLowerCase()}'`);
    const response = await ctx.http.send({
        service: "graph",
        method: "GET",
        url: `${ctx.endpoints.graph}/v1.0/roleManagement/directory/roleAssignmentScheduleInstances?$filter=${filter}`,
        audience: ctx.endpoints.graphAudience,
        call: "read time-bound role assignments (Entra PIM)",
        expect: [400],
        explain: (answer) =>
            answer.status === 403
                ? { fix: "the operator needs the Microsoft Graph permission RoleAssignmentSchedule.ReadWrite.Directory (application)." }
                : undefined,
    });
    if (response.status !== 400) return { available: true };
    const answer = parseAnswer(response.status, response.body);
    if (answer.code === "AadPremiumLicenseRequired") return { available: false, message: answer.message };
    return { available: false, message: `${answer.code ?? "HTTP 400"}: ${answer.message}` };
}
