// A small OData $filter: comparisons (eq ne gt ge lt le), and / or / not, parentheses,
// and startswith / endswith / contains. Typed like the real services: Dataverse wants
// GUID literals unquoted and rejects 'quoted' ones for GUID columns; Graph compares
// ids as strings and rejects unquoted GUIDs. Problems raise FilterError with the
// message the service would give; each service wraps it in its own error shape.

export type FieldType = "guid" | "string" | "number" | "boolean";

export interface FilterSchema {
    /** Type name used in messages, e.g. Microsoft.Dynamics.CRM.systemuser or microsoft.graph.user. */
    entityType: string;
    fieldType(name: string): FieldType | undefined;
}

export class FilterError extends Error {}

type Literal = { kind: "literal"; type: FieldType | "null"; value: string | number | boolean | null };
type Field = { kind: "field"; name: string; type: FieldType };
type Operand = Literal | Field;
type Expr =
    | { type: "and" | "or"; left: Expr; right: Expr }
    | { type: "not"; expr: Expr }
    | { type: "cmp"; op: string; left: Operand; right: Operand }
    | { type: "call"; name: string; field: Field; arg: Literal };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const COMPARISONS: Record<string, string> = { eq: "Equal", ne: "NotEqual", gt: "GreaterThan", ge: "GreaterThanOrEqual", lt: "LessThan", le: "LessThanOrEqual" };
const FUNCTIONS = ["startswith", "endswith", "contains"];
const EDM: Record<FieldType | "null", string> = { guid: "Edm.Guid", string: "Edm.String", number: "Edm.Int32", boolean: "Edm.Boolean", null: "null" };

type Token = { t: "punct"; v: string } | { t: "word"; v: string } | { t: "lit"; lit: Literal };

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    while (i < text.length) {
        const rest = text.slice(i);
        const c = text[i];
        if (/\s/.test(c)) {
            i++;
        } else if ("(),".includes(c)) {
            tokens.push({ t: "punct", v: c });
            i++;
        } else if (c === "'") {
            let value = "";
            let j = i + 1;
            for (;;) {
                if (j >= text.length) throw new FilterError(`Syntax error: the string literal starting at position ${i} is not closed.`);
                if (text[j] === "'") {
                    if (text[j + 1] === "'") {
                        value += "'";
                        j += 2;
                        continue;
                    }
                    break;
                }
                value += text[j++];
            }
            tokens.push({ t: "lit", lit: { kind: "literal", type: "string", value } });
            i = j + 1;
        } else if (GUID.test(rest)) {
            const m = rest.match(GUID) as RegExpMatchArray;
            tokens.push({ t: "lit", lit: { kind: "literal", type: "guid", value: m[0].toLowerCase() } });
            i += m[0].length;
        } else if (/^-?\d/.test(rest)) {
            const m = rest.match(/^-?\d+(\.\d+)?/) as RegExpMatchArray;
            tokens.push({ t: "lit", lit: { kind: "literal", type: "number", value: Number(m[0]) } });
            i += m[0].length;
        } else if (/^[A-Za-z_@$]/.test(rest)) {
            const m = rest.match(/^[A-Za-z_@$][\w./@$]*/) as RegExpMatchArray;
            const word = m[0];
            if (word === "true" || word === "false") tokens.push({ t: "lit", lit: { kind: "literal", type: "boolean", value: word === "true" } });
            else if (word === "null") tokens.push({ t: "lit", lit: { kind: "literal", type: "null", value: null } });
            else tokens.push({ t: "word", v: word });
            i += word.length;
        } else {
            throw new FilterError(`Syntax error at position ${i} in '${text}'.`);
        }
    }
    return tokens;
}

class Parser {
    private pos = 0;
    constructor(
        private readonly tokens: Token[],
        private readonly schema: FilterSchema,
        private readonly text: string,
    ) {}

    parse(): Expr {
        const expr = this.or();
        if (this.pos < this.tokens.length) throw new FilterError(`Syntax error: unexpected '${this.describe(this.tokens[this.pos])}' in '${this.text}'.`);
        return expr;
    }

    private describe(token: Token): string {
        return token.t === "lit" ? String(token.lit.value) : token.v;
    }

    private peekWord(word: string): boolean {
        const token = this.tokens[this.pos];
        return token?.t === "word" && token.v.toLowerCase() === word;
    }

    private expectPunct(v: string): void {
        const token = this.tokens[this.pos++];
        if (token?.t !== "punct" || token.v !== v) throw new FilterError(`Syntax error: '${v}' expected in '${this.text}'.`);
    }

    private or(): Expr {
        let left = this.and();
        while (this.peekWord("or")) {
            this.pos++;
            left = { type: "or", left, right: this.and() };
        }
        return left;
    }

    private and(): Expr {
        let left = this.unary();
        while (this.peekWord("and")) {
            this.pos++;
            left = { type: "and", left, right: this.unary() };
        }
        return left;
    }

    private unary(): Expr {
        if (this.peekWord("not")) {
            this.pos++;
            return { type: "not", expr: this.unary() };
        }
        const token = this.tokens[this.pos];
        if (token?.t === "punct" && token.v === "(") {
            this.pos++;
            const inner = this.or();
            this.expectPunct(")");
            return inner;
        }
        if (token?.t === "word" && FUNCTIONS.includes(token.v.toLowerCase()) && this.tokens[this.pos + 1]?.t === "punct") {
            this.pos++;
            this.expectPunct("(");
            const field = this.operand();
            this.expectPunct(",");
            const arg = this.operand();
            this.expectPunct(")");
            if (field.kind !== "field" || field.type !== "string" || arg.kind !== "literal" || arg.type !== "string") {
                throw new FilterError(`${token.v} needs a text property and a 'quoted' text value.`);
            }
            return { type: "call", name: token.v.toLowerCase(), field, arg };
        }
        const left = this.operand();
        const opToken = this.tokens[this.pos++];
        const op = opToken?.t === "word" ? opToken.v.toLowerCase() : "";
        if (!COMPARISONS[op]) throw new FilterError(`Syntax error: a comparison operator (eq, ne, gt, ge, lt, le) was expected in '${this.text}'.`);
        const right = this.operand();
        this.checkTypes(op, left, right);
        return { type: "cmp", op, left, right };
    }

    private operand(): Operand {
        const token = this.tokens[this.pos++];
        if (!token) throw new FilterError(`Syntax error: unexpected end of '${this.text}'.`);
        if (token.t === "lit") return token.lit;
        if (token.t === "word") {
            const type = this.schema.fieldType(token.v);
            if (!type) throw new FilterError(`Could not find a property named '${token.v}' on type '${this.schema.entityType}'.`);
            return { kind: "field", name: token.v, type };
        }
        throw new FilterError(`Syntax error: unexpected '${token.v}' in '${this.text}'.`);
    }

    private checkTypes(op: string, left: Operand, right: Operand): void {
        if (left.type === "null" || right.type === "null" || left.type === right.type) return;
        throw new FilterError(
            `A binary operator with incompatible types was detected. Found operand types '${EDM[left.type]}' and '${EDM[right.type]}' for operator kind '${COMPARISONS[op]}'.`,
        );
    }
}

export type Filter = (record: Record<string, unknown>) => boolean;

/** Compiles a $filter; throws FilterError for syntax errors, unknown fields and type mismatches. */
export function compileFilter(text: string, schema: FilterSchema): Filter {
    const expr = new Parser(tokenize(text), schema, text).parse();
    return (record) => evaluate(expr, record);
}

function valueOf(operand: Operand, record: Record<string, unknown>): unknown {
    return operand.kind === "literal" ? operand.value : record[operand.name];
}

function normalise(value: unknown): unknown {
    return typeof value === "string" ? value.toLowerCase() : value;
}

function evaluate(expr: Expr, record: Record<string, unknown>): boolean {
    switch (expr.type) {
        case "and":
            return evaluate(expr.left, record) && evaluate(expr.right, record);
        case "or":
            return evaluate(expr.left, record) || evaluate(expr.right, record);
        case "not":
            return !evaluate(expr.expr, record);
        case "call": {
            const value = record[expr.field.name];
            if (typeof value !== "string") return false;
            const hay = value.toLowerCase();
            const needle = String(expr.arg.value).toLowerCase();
            return expr.name === "startswith" ? hay.startsWith(needle) : expr.name === "endswith" ? hay.endsWith(needle) : hay.includes(needle);
        }
        case "cmp": {
            // Text and GUID comparisons are case-insensitive in both Graph and Dataverse.
            const a = normalise(valueOf(expr.left, record) ?? null);
            const b = normalise(valueOf(expr.right, record) ?? null);
            switch (expr.op) {
                case "eq":
                    return a === b;
                case "ne":
                    return a !== b;
                default: {
                    if (a === null || b === null) return false;
                    const [x, y] = [a as number | string, b as number | string];
                    return expr.op === "gt" ? x > y : expr.op === "ge" ? x >= y : expr.op === "lt" ? x < y : x <= y;
                }
            }
        }
    }
}
