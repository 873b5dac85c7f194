import type { RosterProblem } from '@yishi/contracts';

/** One line of a roster: a person in a household of a building (and unit) of the estate. */
export interface RosterLine {
  readonly line: number;
  readonly building: string;
  readonly unit: string;
  readonly door: string;
  readonly type: 'occupied' | 'vacant';
  readonly floorArea: string | null;
  readonly name: string;
  readonly phone: string | null;
  readonly relation: 'owner' | 'tenant' | 'family';
}

export const ROSTER_COLUMNS = ['building', 'unit', 'door', 'type', 'floor_area', 'name', 'phone', 'relation'] as const;

const CODE = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const AREA = /^\d{1,5}(\.\d{1,2})?$/;
const MOBILE = /^1\d{10}$/;

type Problem = Omit<RosterProblem, '$typeName'>;

/** Every line (of a CSV, or row of a sheet) checked; every bad line reported with the field and the reason. */
export function readRoster(rows: readonly (readonly string[])[], source: 'csv' | 'xlsx'): { lines: RosterLine[]; problems: Problem[] } {
  const header = rows[0]?.map((cell) => cell.toLowerCase()) ?? [];
  if (ROSTER_COLUMNS.some((column, index) => header[index] !== column)) {
    return { lines: [], problems: [{ line: 0, field: 'header', reason: `must be: ${ROSTER_COLUMNS.join(',')}` }] };
  }
  const problems: Problem[] = [];
  const lines = rows.slice(1).map((row, index) => readLine(row, index + 1, problems));
  if (lines.length === 0) problems.push({ line: 0, field: source, reason: 'holds no households' });
  return { lines: problems.length > 0 ? [] : (lines as RosterLine[]), problems };
}

function readLine(row: readonly string[], line: number, problems: Problem[]): RosterLine | null {
  const [building = '', unit = '', door = '', type = '', floorArea = '', name = '', phone = '', relation = ''] = row;
  const before = problems.length;
  const check = (ok: boolean, field: string, reason: string): void => {
    if (!ok) problems.push({ line, field, reason });
  };
  check(CODE.test(building), 'building', 'must be a building code such as "b45"');
  check(unit === '' || CODE.test(unit), 'unit', 'must be empty or a unit code such as "u2"');
  check(door.trim() !== '' && door.length <= 20, 'door', 'must be the door number');
  check(type === 'occupied' || type === 'vacant', 'type', 'must be occupied or vacant');
  check(floorArea === '' || AREA.test(floorArea), 'floor_area', 'must be square metres such as "86.5"');
  check(name.trim() !== '' && name.length <= 50, 'name', 'must be the person’s name');
  check(phone === '' || MOBILE.test(phone), 'phone', 'must be empty or an 11-digit mobile number');
  check(relation === 'owner' || relation === 'tenant' || relation === 'family', 'relation', 'must be owner, tenant or family');
  if (problems.length > before) return null;
  return {
    line,
    building,
    unit,
    door,
    type: type as RosterLine['type'],
    floorArea: floorArea || null,
    name: name.trim(),
    phone: phone || null,
    relation: relation as RosterLine['relation'],
  };
}

/** The household a line belongs to, e.g. "b45/u2/301". */
export function householdKey(line: RosterLine): string {
  return `${line.building}/${line.unit}/${line.door}`;
}
