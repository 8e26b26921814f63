import { ResolvedAttribute } from '../schemas/resolve-attribute';

export type ComparisonOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type ComparisonValue = string | number | boolean | null;

export interface ComparisonFilter {
  readonly type: 'comparison';
  readonly operator: ComparisonOperator;
  /** Inside a value filter (`emails[...]`) this carries the sub-attribute being compared. */
  readonly attribute: ResolvedAttribute;
  readonly value: ComparisonValue;
  /** Epoch milliseconds, set when a dateTime attribute is ordered or compared for equality. */
  readonly instant?: number;
}

export interface PresentFilter {
  readonly type: 'present';
  readonly attribute: ResolvedAttribute;
}

/** n-ary so that a long `or` chain does not become a deep tree. */
export interface LogicalFilter {
  readonly type: 'and' | 'or';
  readonly operands: readonly FilterNode[];
}

export interface NotFilter {
  readonly type: 'not';
  readonly operand: FilterNode;
}

/** `emails[type eq "work" and value co "@example.com"]`: one value must satisfy the whole inner filter. */
export interface ValuePathFilter {
  readonly type: 'valuePath';
  readonly attribute: ResolvedAttribute;
  readonly filter: FilterNode;
}

export type FilterNode = ComparisonFilter | PresentFilter | LogicalFilter | NotFilter | ValuePathFilter;

export const COMPARISON_OPERATORS: readonly ComparisonOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
