/**
 * The console's People section: /console/people lists the people the viewer may see (a supervisor: their
 * team and themselves), with search and a role filter; /console/people/<id> shows one person with their
 * credentials, lockout and, for admins and key managers, enrolment.
 */
import { PeopleList } from './people-list';
import { PersonPage, type Viewer } from './person-page';

export function PeopleSection(props: { rest: string[]; viewer: Viewer }) {
  const [id] = props.rest;
  return (
    <div className="section-page">
      {id ? (
        <PersonPage id={decodeURIComponent(id)} viewer={props.viewer} />
      ) : (
        <PeopleList viewer={props.viewer} />
      )}
    </div>
  );
}
