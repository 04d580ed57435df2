// Where the ladder pages live in the hash router.

/** `#/ladders/NAME[/versions/N][/copy|/edit]`. */
export const ladderHref = (name: string, version?: number, then?: 'copy' | 'edit') =>
  `#/ladders/${encodeURIComponent(name)}${version !== undefined ? `/versions/${version}` : ''}${then ? `/${then}` : ''}`;
