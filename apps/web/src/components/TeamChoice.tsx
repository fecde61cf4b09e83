/**
 * The settings pages manage one team at a time: this loads the teams the user may see, offers a
 * picker, and renders the chosen team. The choice is shared by the settings pages (a team
 * created on Teams is the one Integrations opens on) and kept in the address (`?team=12`), so a
 * reload or a link shows the same team; without one, the first team.
 */
import type { Team } from '@agiletrack/domain';
import { type ReactNode, useEffect, useId, useLayoutEffect } from 'react';
import { resources } from '../app/resources.ts';
import { createStore, useStore } from '../app/store.ts';
import { useResource } from '../app/use-resource.ts';
import { LoadError, Loading } from './States.tsx';

const PARAM = 'team';

const fromAddress = (): number | undefined => {
  if (typeof window === 'undefined') return undefined;
  const text = new URLSearchParams(window.location.search).get(PARAM);
  return text !== null && /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : undefined;
};

const chosen = createStore<number | undefined>(undefined);

/** Makes `teamId` the team the settings pages show (a team just created, a link from a team). */
export function chooseTeam(teamId: number): void {
  chosen.set(teamId);
}

/** See the file comment; `empty` is said when there is no team. */
export function TeamChoice({ empty, children }: { empty: ReactNode; children: (team: Team) => ReactNode }) {
  const teams = useResource(resources.teams());
  const selected = useStore(chosen);
  const id = useId();
  // A link that names a team (`?team=12`) chooses it, before anything is painted.
  useLayoutEffect(() => {
    const addressed = fromAddress();
    if (addressed !== undefined) chooseTeam(addressed);
  }, []);
  const list = teams.data ?? [];
  const team = list.find((t) => t.id === selected) ?? list[0];
  // The address says which team is shown (replacing the entry: choosing a team is not a visit).
  useEffect(() => {
    if (team === undefined) return;
    const params = new URLSearchParams(window.location.search);
    if (params.get(PARAM) === String(team.id)) return;
    params.set(PARAM, String(team.id));
    window.history.replaceState(window.history.state, '', `${window.location.pathname}?${params}`);
  }, [team]);
  return (
    <>
      {teams.error !== undefined && <LoadError error={teams.error} what="teams" />}
      {teams.isLoading && <Loading what="teams" />}
      {teams.data && list.length === 0 && <p className="muted">{empty}</p>}
      {team && (
        <div className="picker">
          <label htmlFor={id}>Team</label>
          <select id={id} value={team.id} onChange={(e) => chooseTeam(Number(e.target.value))}>
            {list.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {team && children(team)}
    </>
  );
}
