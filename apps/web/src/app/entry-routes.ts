/**
 * The two URLs the first screen needs (who is logged in, log in). The build writes them in from
 * the domain's route table, so the entry and the login page do without the table and zod; the
 * rest of the app calls routes through `api.ts` once someone is logged in.
 */
declare const __ENTRY_ROUTES__: { readonly me: string; readonly login: string };

/** `me.get` and `auth.login` of the route table. */
export const ENTRY_ROUTES = __ENTRY_ROUTES__;
