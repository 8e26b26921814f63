/** Nest injection tokens for things that are not classes. */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');
export const CLOCK = Symbol('CLOCK');

export type Clock = () => Date;
