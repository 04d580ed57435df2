// The ladder editor's rung table: one row per rung, its problems in a row below it.
import { FieldProblems } from './template-fields';
import { at, num, NUM_LABELS, PROFILES, under, withCodec, withMode, type Problems, type Rung } from '../ladder-form';

export function RungEditor({ rungs, problems, onChange }: { rungs: Rung[]; problems: Problems; onChange: (rungs: Rung[], structural?: boolean) => void }) {
  const set = (i: number, r: Rung) => onChange(rungs.map((x, j) => (j === i ? r : x)));
  const move = (i: number, d: number) => {
    const next = [...rungs];
    const [r] = next.splice(i, 1);
    next.splice(i + d, 0, r!);
    onChange(next, true);
  };
  const add = () => {
    const last = rungs[rungs.length - 1];
    let n = rungs.length + 1;
    while (rungs.some((r) => r.name === `rung-${n}`)) n++;
    const r: Rung = last
      ? { ...last, rate: { ...last.rate }, name: `rung-${n}` }
      : {
          name: `rung-${n}`,
          codec: 'h264',
          width: 1280,
          height: 720,
          rate: { mode: 'vbr', bitrateKbps: 3000, maxrateKbps: 3600, bufsizeKbps: 6000 },
          profile: 'high',
          maxLevel: null,
          range: 'sdr',
        };
    onChange([...rungs, r], true);
  };
  return (
    <>
      <table class="compact rung-editor" aria-label="Rungs (editable)">
        <thead>
          <tr>
            {['#', 'name', 'codec', 'profile', 'width', 'height', 'rate', 'bitrate / CRF', 'maxrate', 'bufsize', 'max level', 'range', ''].map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rungs.map((r, i) => {
            const p = `rungs.${i}`;
            const bad = (f: string) => at(problems, `${p}.${f}`).length > 0;
            const label = (f: string) => `Rung ${i + 1} ${f}`;
            const numInput = (f: string, value: number, change: (n: number) => void, step = 1) => (
              <input
                type="number"
                class="num"
                step={step}
                aria-label={label(NUM_LABELS[f] ?? f)}
                aria-invalid={bad(f)}
                value={Number.isNaN(value) ? '' : value}
                onInput={(e) => change(num(e))}
              />
            );
            const mine = under(problems, p);
            return [
              <tr key={`r${i}`} data-rung-row={i} class={mine.length ? 'invalid' : undefined}>
                <td class="muted">{i + 1}</td>
                <td>
                  <input
                    class="rung-name-input"
                    aria-label={label('name')}
                    aria-invalid={bad('name')}
                    value={r.name}
                    onInput={(e) => set(i, { ...r, name: e.currentTarget.value })}
                  />
                </td>
                <td>
                  <select
                    aria-label={label('codec')}
                    aria-invalid={bad('codec')}
                    value={r.codec}
                    onChange={(e) => set(i, withCodec(r, e.currentTarget.value as Rung['codec']))}
                  >
                    <option value="h264">H.264</option>
                    <option value="hevc">HEVC</option>
                  </select>
                </td>
                <td>
                  <select
                    aria-label={label('profile')}
                    aria-invalid={bad('profile')}
                    value={r.profile}
                    onChange={(e) => set(i, { ...r, profile: e.currentTarget.value as Rung['profile'] })}
                  >
                    {[...new Set([...PROFILES[r.codec], r.profile])].map((x) => (
                      <option key={x}>{x}</option>
                    ))}
                  </select>
                </td>
                <td>{numInput('width', r.width, (width) => set(i, { ...r, width }))}</td>
                <td>{numInput('height', r.height, (height) => set(i, { ...r, height }))}</td>
                <td>
                  <select
                    aria-label={label('rate control')}
                    value={r.rate.mode}
                    onChange={(e) => set(i, withMode(r, e.currentTarget.value as Rung['rate']['mode']))}
                  >
                    <option value="vbr">VBR</option>
                    <option value="crf">CRF</option>
                  </select>
                </td>
                <td>
                  {r.rate.mode === 'vbr'
                    ? numInput('rate.bitrateKbps', r.rate.bitrateKbps, (bitrateKbps) => set(i, { ...r, rate: { ...r.rate, bitrateKbps } as Rung['rate'] }))
                    : numInput('rate.crf', r.rate.crf, (crf) => set(i, { ...r, rate: { ...r.rate, crf } as Rung['rate'] }), 0.5)}
                </td>
                <td>{numInput('rate.maxrateKbps', r.rate.maxrateKbps, (maxrateKbps) => set(i, { ...r, rate: { ...r.rate, maxrateKbps } }))}</td>
                <td>{numInput('rate.bufsizeKbps', r.rate.bufsizeKbps, (bufsizeKbps) => set(i, { ...r, rate: { ...r.rate, bufsizeKbps } }))}</td>
                <td>
                  <input
                    class="level-input"
                    aria-label={label('max level')}
                    aria-invalid={bad('maxLevel')}
                    placeholder="any"
                    value={r.maxLevel ?? ''}
                    onInput={(e) => set(i, { ...r, maxLevel: e.currentTarget.value.trim() || null })}
                  />
                </td>
                <td>
                  <select
                    aria-label={label('range')}
                    aria-invalid={bad('range')}
                    value={r.range}
                    onChange={(e) => set(i, { ...r, range: e.currentTarget.value as Rung['range'] })}
                  >
                    <option value="sdr">SDR</option>
                    <option value="hdr">HDR</option>
                  </select>
                </td>
                <td class="nowrap">
                  <button type="button" class="icon" aria-label={`Move rung ${i + 1} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                    ↑
                  </button>
                  <button type="button" class="icon" aria-label={`Move rung ${i + 1} down`} disabled={i === rungs.length - 1} onClick={() => move(i, 1)}>
                    ↓
                  </button>
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Remove rung ${i + 1}`}
                    disabled={rungs.length === 1}
                    onClick={() =>
                      onChange(
                        rungs.filter((_, j) => j !== i),
                        true,
                      )
                    }
                  >
                    ✕
                  </button>
                </td>
              </tr>,
              mine.length > 0 && (
                <tr key={`p${i}`} class="problem-row">
                  <td />
                  <td colSpan={12}>
                    <ul class="plain">
                      {mine.map((x) => (
                        <li key={`${x.path}:${x.message}`} class="field-problem" data-problem-path={x.path}>
                          <code>{x.path.slice(p.length + 1) || `rung ${i + 1}`}</code> {x.message}
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
      <FieldProblems problems={problems} path="rungs" />
      <p>
        <button type="button" class="secondary" onClick={add} disabled={rungs.length >= 16}>
          Add a rung
        </button>{' '}
        <span class="small muted">Order does not matter: the planner orders rungs by size. A rung larger than the master is left out, never upscaled.</span>
      </p>
    </>
  );
}
