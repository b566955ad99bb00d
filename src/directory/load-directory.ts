/**
 * The directory and inventory as they are now, in the policy file's shape, so that the running system can
 * decide with the active policy version plus today's people and keys (DESIGN.md: "What is policy and what
 * is directory").
 */
import type { Kysely } from 'kysely';
import type { PolicyFile } from '../domain/policy/policy-file.js';
import type { DB } from '../store/schema.js';

export type DirectoryPart = Pick<PolicyFile, 'cabinets' | 'keyGroups' | 'keys' | 'roles' | 'people'> & {
  sites: { id: string; name: string; timezone: string }[];
};

export async function loadDirectory(db: Kysely<DB>): Promise<DirectoryPart> {
  const [sites, cabinets, groups, keys, roles, people, personRoles] = await Promise.all([
    db.selectFrom('sites').selectAll().orderBy('id').execute(),
    db.selectFrom('cabinets').selectAll().orderBy('id').execute(),
    db.selectFrom('key_groups').selectAll().orderBy('id').execute(),
    db.selectFrom('keys').selectAll().where('status', '!=', 'retired').orderBy('id').execute(),
    db.selectFrom('roles').selectAll().orderBy('id').execute(),
    db.selectFrom('people').selectAll().orderBy('id').execute(),
    db.selectFrom('person_roles').selectAll().execute(),
  ]);
  const rolesOf = new Map<string, string[]>();
  for (const row of personRoles)
    rolesOf.set(row.person_id, [...(rolesOf.get(row.person_id) ?? []), row.role_id]);
  return {
    sites: sites.map((s) => ({ id: s.id, name: s.name, timezone: s.timezone })),
    cabinets: cabinets.map((c) => ({ id: c.id, site: c.site_id, name: c.name, slots: c.slot_count })),
    keyGroups: groups.map((g) => ({ id: g.id, name: g.name, sensitivity: g.sensitivity })),
    keys: keys.map((k) => ({
      id: k.id,
      label: k.label,
      group: k.group_id,
      cabinet: k.cabinet_id,
      slot: k.slot,
      ...(k.sensitivity ? { sensitivity: k.sensitivity } : {}),
    })),
    roles: roles.map((r) => ({ id: r.id, name: r.name })),
    people: people.map((p) => ({
      id: p.id,
      name: p.name,
      roles: (rolesOf.get(p.id) ?? []).sort(),
      ...(p.supervisor_id ? { supervisor: p.supervisor_id } : {}),
      ...(p.email ? { email: p.email } : {}),
      ...(p.phone ? { phone: p.phone } : {}),
      active: p.active === 1,
    })),
  };
}
