import { localPortsFrom, portVariable, temporalDevServerFlags } from '../src/local-stack.ts';

describe('the local stack’s ports', () => {
  it('are the defaults when nothing moves them', () => {
    expect(localPortsFrom({})).toMatchObject({ api: 3002, payment: 3011, temporal: 7233, temporalUi: 8080 });
  });

  it('move one process with PORT_<NAME>, leaving the others where they were', () => {
    const ports = localPortsFrom({ PORT_API: '4002', PORT_USER_CONTEXT: ' 4000 ', PORT_TEMPORAL_UI: '' });
    expect(ports).toMatchObject({ api: 4002, 'user-context': 4000, temporalUi: 8080, payment: 3011 });
  });

  it('name each variable after its process', () => {
    expect([portVariable('api'), portVariable('user-context'), portVariable('workerMetrics')]).toEqual([
      'PORT_API',
      'PORT_USER_CONTEXT',
      'PORT_WORKER_METRICS',
    ]);
  });

  it.each(['0', '65536', '30.5', 'http', '-1'])('refuse %s as a port, naming the variable', (value) => {
    expect(() => localPortsFrom({ PORT_PAYMENT: value })).toThrow(`PORT_PAYMENT=${value}: a port is a whole number`);
  });

  it('refuse two processes on one port', () => {
    expect(() => localPortsFrom({ PORT_SHIPPING: '3011' })).toThrow(/PORT_SHIPPING and PORT_PAYMENT are both 3011/);
  });
});

describe('the local Temporal dev server’s flags', () => {
  it('are the WAL pragmas, the cached search attributes and the attributes given, as make up passes them', () => {
    expect(temporalDevServerFlags({ searchAttributes: { OrderId: 'Keyword', TotalAmount: 'Double' } })).toEqual([
      ...['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'],
      ...['--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=false'],
      ...['--search-attribute', 'OrderId=Keyword', '--search-attribute', 'TotalAmount=Double'],
    ]);
  });

  it('take other pragmas, or none (an in-memory database)', () => {
    expect(temporalDevServerFlags({ pragmas: ['journal_mode=delete'] }).slice(0, 2)).toEqual([
      '--sqlite-pragma',
      'journal_mode=delete',
    ]);
    expect(temporalDevServerFlags({ pragmas: [] })).toEqual([
      '--dynamic-config-value',
      'system.forceSearchAttributesCacheRefreshOnRead=false',
    ]);
  });
});
