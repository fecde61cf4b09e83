/**
 * The settings pages manage one team at a time: this loads the teams the user may see, offers a
 * picker, and renders the chosen team (the first one until another is picked).
 */
import type { Team } from '@agiletrack/domain';
import { type ReactNode, useId, useState } from 'react';
import { resources } from '../app/resources.ts';
import { useResource } from '../app/use-resource.ts';
import { LoadError, Loading } from './States.tsx';

/** See the file comment; `empty` is said when there is no team. */
export function TeamChoice({ empty, children }: { empty: ReactNode; children: (team: Team) => ReactNode }) {
  const teams = useResource(resources.teams());
  const [selected, setSelected] = useState<number | undefined>(undefined);
  const id = useId();
  const list = teams.data ?? [];
  const team = list.find((t) => t.id === selected) ?? list[0];
  return (
    <>
      {teams.error !== undefined && <LoadError error={teams.error} what="teams" />}
      {teams.isLoading && <Loading what="teams" />}
      {teams.data && list.length === 0 && <p className="muted">{empty}</p>}
      {team && (
        <div className="picker">
          <label htmlFor={id}>Team</label>
          <select id={id} value={team.id} onChange={(e) => setSelected(Number(e.target.value))}>
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
