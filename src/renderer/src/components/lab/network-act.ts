// The network view's action runner, handed to its panels so that one action runs at a time across the view.

/** Runs `what` under the view's busy flag: a refusal shows as an error message, `done` as a success; then the
 * status and the topology refresh. Resolves to whether it succeeded. */
export type NetworkAct = (what: () => Promise<unknown>, done?: string) => Promise<boolean>;
