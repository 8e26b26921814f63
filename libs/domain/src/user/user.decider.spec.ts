import { InvalidCommand, ResourceAlreadyExists, ResourceNotFound, userDecider } from '@ledger/domain';
import { ENTERPRISE, T0, T1, USER_ID, aUser, deciderSpec, userProvisioned } from '@ledger/testing';

const given = deciderSpec(userDecider);
const replace = (attributes = aUser()) => ({ type: 'ReplaceUser' as const, userId: USER_ID, attributes, at: T1 });

describe('user decider', () => {
  describe('provisioning', () => {
    it('provisions a user, keeping identity fields apart from the other attributes', () =>
      given([])
        .when({ type: 'ProvisionUser', userId: USER_ID, attributes: aUser(), at: T0 })
        .then([userProvisioned()]));

    it('treats a missing active as active, as RFC 7643 defaults', () =>
      given([])
        .when({ type: 'ProvisionUser', userId: USER_ID, attributes: aUser({ active: undefined }), at: T0 })
        .thenState((state) => expect(state).toMatchObject({ active: true, version: 1, createdAt: T0 })));

    it('refuses a user without userName', () =>
      given([])
        .when({ type: 'ProvisionUser', userId: USER_ID, attributes: aUser({ userName: '  ' }), at: T0 })
        .thenThrows(InvalidCommand));

    it('refuses to provision the same id twice', () =>
      given([userProvisioned()])
        .when({ type: 'ProvisionUser', userId: USER_ID, attributes: aUser(), at: T1 })
        .thenThrows(ResourceAlreadyExists));
  });

  describe('replacing', () => {
    it('records nothing when the new state equals the old, whatever the key order', () =>
      given([userProvisioned()])
        .when(replace({ ...aUser(), name: { familyName: 'Example', givenName: 'Alice' } }))
        .then([]));

    it('records a rename, an externalId change and changed attributes as separate facts', () =>
      given([userProvisioned()])
        .when(replace(aUser({ userName: 'alice.smith@example.com', externalId: '00u1new', title: 'CFO' })))
        .then([
          { type: 'UserRenamed', data: { userId: USER_ID, from: 'alice@example.com', to: 'alice.smith@example.com', at: T1 } },
          { type: 'UserExternalIdChanged', data: { userId: USER_ID, from: '00u1alice', to: '00u1new', at: T1 } },
          { type: 'UserAttributesChanged', data: { userId: USER_ID, changed: { title: 'CFO' }, removed: [], at: T1 } },
        ]));

    it('tracks enterprise extension attributes one by one (a mover changes department)', () =>
      given([userProvisioned()])
        .when(replace(aUser({ [ENTERPRISE]: { department: 'Legal', manager: { value: 'boss-id' } } })))
        .then([{
          type: 'UserAttributesChanged',
          data: { userId: USER_ID, changed: { [`${ENTERPRISE}:department`]: 'Legal' }, removed: [], at: T1 },
        }]));

    it('records removed attributes', () =>
      given([userProvisioned()])
        .when(replace(aUser({ emails: undefined })))
        .then([{ type: 'UserAttributesChanged', data: { userId: USER_ID, changed: {}, removed: ['emails'], at: T1 } }]));

    it('turns active true -> false into UserDeactivated, and back into UserReactivated', () => {
      given([userProvisioned()]).when(replace(aUser({ active: false }))).then([
        { type: 'UserDeactivated', data: { userId: USER_ID, at: T1 } },
      ]);
      given([userProvisioned({ active: false })]).when(replace(aUser({ active: true }))).then([
        { type: 'UserReactivated', data: { userId: USER_ID, at: T1 } },
      ]);
    });

    it('leaves a disabled account disabled when the replacement leaves active unassigned (absent, null or removed)', () => {
      const { active: _active, ...withoutActive } = aUser();
      given([userProvisioned({ active: false })]).when(replace(withoutActive)).then([]);
      given([userProvisioned()]).when(replace(withoutActive)).then([]);
    });

    it('rebuilds the same attributes from the change events', () =>
      given([userProvisioned()])
        .when(replace(aUser({ title: 'CFO', emails: undefined, [ENTERPRISE]: { department: 'Legal' } })))
        .thenState((state) => {
          expect(state).toMatchObject({ version: 2, updatedAt: T1 });
          if (state.status === 'absent') throw new Error('absent');
          expect(state.attributes).toEqual({ name: { givenName: 'Alice', familyName: 'Example' }, title: 'CFO', [ENTERPRISE]: { department: 'Legal' } });
        }));

    it('refuses to replace a user that does not exist or was deleted', () => {
      given([]).when(replace()).thenThrows(ResourceNotFound);
      given([userProvisioned(), { type: 'UserDeleted', data: { userId: USER_ID, userName: 'alice@example.com', externalId: '00u1alice', at: T1 } }])
        .when(replace())
        .thenThrows(ResourceNotFound);
    });
  });

  describe('deactivating and deleting', () => {
    it('deactivates an active user', () =>
      given([userProvisioned()])
        .when({ type: 'DeactivateUser', userId: USER_ID, at: T1 })
        .then([{ type: 'UserDeactivated', data: { userId: USER_ID, at: T1 } }]));

    it('deactivating an inactive user changes nothing', () =>
      given([userProvisioned(), { type: 'UserDeactivated', data: { userId: USER_ID, at: T1 } }])
        .when({ type: 'DeactivateUser', userId: USER_ID, at: T1 })
        .then([]));

    it('deletes with the identifiers needed to release its claims', () =>
      given([userProvisioned()])
        .when({ type: 'DeleteUser', userId: USER_ID, at: T1 })
        .then([{ type: 'UserDeleted', data: { userId: USER_ID, userName: 'alice@example.com', externalId: '00u1alice', at: T1 } }]));

    it('records a refused re-create against the existing, disabled user', () =>
      given([userProvisioned({ active: false })])
        .when({ type: 'RecordRefusedRecreate', userId: USER_ID, attribute: 'userName', value: 'alice@example.com', at: T1 })
        .then([{
          type: 'UserRecreateRefused',
          data: { userId: USER_ID, attribute: 'userName', value: 'alice@example.com', existingActive: false, at: T1 },
        }]));
  });
});
