/**
 * Given / when / then for deciders:
 *   given([userProvisioned()]).when(deactivateUser()).then([userDeactivated()])
 */
export function deciderSpec<Command, State, Event>(decider: {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState: State;
}) {
  return (history: Event[]) => ({
    when(command: Command) {
      const run = () => decider.decide(command, history.reduce(decider.evolve, decider.initialState));
      return {
        then(expected: Event[]): void {
          expect(run()).toEqual(expected);
        },
        thenThrows(expected: unknown): void {
          expect(run).toThrow(expected as never);
        },
        thenState(assert: (state: State) => void): void {
          assert(run().reduce(decider.evolve, history.reduce(decider.evolve, decider.initialState)));
        },
      };
    },
  });
}
