import { applyPatch, memberDelta, PATCH_OP_SCHEMA } from '../src';

/**
 * Times PATCHes on a 10,000-member group: add 10k (value array), remove 10k (Entra's value-array
 * form), and 100 single-member removals by filter (Okta's form) in one request.
 * Run: npx tsc --outDir /tmp/scim-bench --module commonjs --target es2022 --strict --skipLibCheck --types node \
 *        libs/scim/bench/group-members-patch.bench.ts && node /tmp/scim-bench/bench/group-members-patch.bench.js
 */
const MEMBER_COUNT = 10_000;
const ROUNDS = 20;

const members = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => ({ value: `${prefix}-${index}` }));
const group = (initial: { value: string }[]) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
  id: 'g1',
  displayName: 'all-staff',
  members: initial,
});
const patch = (...Operations: object[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

function measure(name: string, run: () => unknown): void {
  run();
  const timings: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    run();
    timings.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  timings.sort((a, b) => a - b);
  const median = timings[Math.floor(timings.length / 2)]!;
  const worst = timings[timings.length - 1]!;
  console.log(`${name.padEnd(58)} median ${median.toFixed(1)} ms  max ${worst.toFixed(1)} ms`);
}

const existing = group(members('old', MEMBER_COUNT));
const incoming = members('new', MEMBER_COUNT);
const okta100 = members('old', 100).map((member) => ({ op: 'remove', path: `members[value eq "${member.value}"]` }));

measure('add 10k members to a 10k group (value array)', () =>
  applyPatch(existing, patch({ op: 'Add', path: 'members', value: incoming }), 'Group'));
measure('remove 10k members from a 10k group (Entra value array)', () =>
  applyPatch(existing, patch({ op: 'Remove', path: 'members', value: members('old', MEMBER_COUNT) }), 'Group'));
measure('100 x remove members[value eq "id"] on a 10k group (Okta)', () => applyPatch(existing, patch(...okta100), 'Group'));
measure('replace members of a 10k group with another 10k (Okta)', () =>
  applyPatch(existing, patch({ op: 'replace', path: 'members', value: incoming }), 'Group'));
measure('memberDelta between two 10k groups', () => memberDelta(existing, group(incoming)));
