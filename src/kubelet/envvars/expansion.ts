/**
 * @module kubelet/envvars/expansion
 * Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion): how env values, command,
 * args and subPathExpr refer to other variables. `$$` escapes a `$`; a reference to an unknown
 * variable, or one never closed, is left as written, so a container sees exactly what the user typed.
 */

/** Looks a name up in each map in order; unknown names come back wrapped, as `$(NAME)`. */
export function mappingFuncFor(...maps: Array<Map<string, string> | Record<string, string> | undefined>): (name: string) => string {
  return (name) => {
    for (const m of maps) {
      if (!m) continue;
      if (m instanceof Map) { const v = m.get(name); if (v !== undefined) return v; } else if (Object.prototype.hasOwnProperty.call(m, name)) return m[name];
    }
    return `$(${name})`;
  };
}

/** Expand every `$(NAME)` in `input` through `mapping`. */
export function expand(input: string, mapping: (name: string) => string): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === '$') out += '$';
    else if (next === '(') {
      const close = input.indexOf(')', cursor + 2);
      if (close >= 0) { out += mapping(input.slice(cursor + 2, close)); advance = close - cursor; } else out += '$(';
    } else out += '$' + next;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}
