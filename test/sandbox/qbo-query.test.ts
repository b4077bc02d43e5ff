import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QboFault } from '../../integrations/sandbox/qbo/faults';
import { runQuery } from '../../integrations/sandbox/qbo/query-exec';
import { parseQuery, QueryParseError } from '../../integrations/sandbox/qbo/query-parser';
import { QboView } from '../../integrations/sandbox/qbo/view';
import { buildQboFixture, firstError, type Json, query, raw, type Served, serveQbo } from './qbo-fixture';

describe('query parser', () => {
  it('parses what node-quickbooks sends', () => {
    expect(parseQuery("select * from invoice where CustomerRef = '12' and TxnDate >= '2024-05-01' orderby TxnDate desc startposition 1 maxresults 1000")).toEqual({
      entity: 'invoice',
      select: { kind: 'all' },
      where: [
        { field: 'CustomerRef', op: '=', values: ['12'] },
        { field: 'TxnDate', op: '>=', values: ['2024-05-01'] },
      ],
      orderBy: [{ field: 'TxnDate', dir: 'DESC' }],
      startPosition: 1,
      maxResults: 1000,
    });
    expect(parseQuery('select count(*) from invoice startposition 1 maxresults 1000').select).toEqual({ kind: 'count' });
  });

  it('handles keywords in any case, field lists, IN, LIKE, numbers, booleans and escaped quotes', () => {
    const q = parseQuery("SeLeCt Id, DocNumber FROM Invoice WHERE Id IN ('1', '2',3) AND DocNumber LIKE '%10%' AND Balance > -5.5 AND Active = true ORDERBY DueDate ASC, Id DESC MAXRESULTS 10 STARTPOSITION 11");
    expect(q.select).toEqual({ kind: 'fields', fields: ['Id', 'DocNumber'] });
    expect(q.where).toEqual([
      { field: 'Id', op: 'IN', values: ['1', '2', 3] },
      { field: 'DocNumber', op: 'LIKE', values: ['%10%'] },
      { field: 'Balance', op: '>', values: [-5.5] },
      { field: 'Active', op: '=', values: [true] },
    ]);
    expect(q.orderBy).toEqual([
      { field: 'DueDate', dir: 'ASC' },
      { field: 'Id', dir: 'DESC' },
    ]);
    expect([q.startPosition, q.maxResults]).toEqual([11, 10]);
    expect(parseQuery("select * from Customer where DisplayName = 'O\\'Brien & Sons'").where[0]!.values).toEqual(["O'Brien & Sons"]);
    expect(parseQuery('select * from Customer where Balance != 0').where[0]!.op).toBe('!=');
    expect(parseQuery('select * from Customer where MetaData.LastUpdatedTime <= \'2024-06-01T00:00:00-07:00\'').where[0]!.field).toBe('MetaData.LastUpdatedTime');
  });

  it.each([
    ['', 'empty'],
    ['select from Invoice', 'missing projection'],
    ['select * Invoice', 'missing FROM'],
    ['select * from', 'missing entity'],
    ["select * from Invoice where DocNumber = 'unterminated", 'unterminated string'],
    ["select * from Invoice where DocNumber = '1' or Id = '2'", 'OR is not QBO syntax'],
    ['select * from Invoice where', 'dangling WHERE'],
    ['select * from Invoice where Id', 'condition without operator'],
    ['select * from Invoice where Id IN ()', 'empty IN list'],
    ['select * from Invoice maxresults ten', 'non-numeric MAXRESULTS'],
    ['select * from Invoice startposition 1 startposition 2', 'repeated STARTPOSITION'],
    ['select * from Invoice order by Id', 'ORDER BY is not ORDERBY'],
    ['select * from Invoice where Id = null', 'null literal'],
    ['select * from Invoice; drop table x', 'stray characters'],
    ['select count(Id) from Invoice', 'COUNT of a field'],
  ])('rejects %j (%s)', (text) => {
    expect(() => parseQuery(text)).toThrow(QueryParseError);
  });
});

describe('query execution', () => {
  const fx = buildQboFixture();
  const view = new QboView(fx.ctx, fx.realm);
  const run = (text: string) => runQuery(view, text).body.QueryResponse;
  const docs = (text: string) => ((run(text)['Invoice'] as Json[] | undefined) ?? []).map((i) => i['DocNumber']);

  it('filters with comparison operators, IN and LIKE', () => {
    expect(docs("select * from Invoice where TxnDate > '2024-05-10'")).toEqual(['1004', '1005']);
    expect(docs("select * from Invoice where TxnDate <= '2024-05-10' and Balance >= 250.5")).toEqual(['1001', '1002']);
    expect(docs("select * from Invoice where DueDate < '2024-06-02'")).toEqual(['1001', '1002']);
    expect(docs("select * from Invoice where DocNumber != '1003' and CustomerRef = '1'")).toEqual(['1001', '1002']);
    expect(docs(`select * from Invoice where Id in ('${fx.ids.inv2}', '${fx.ids.inv5}')`)).toEqual(['1002', '1005']);
    expect(docs("select * from Invoice where DocNumber like '%00%'")).toHaveLength(5);
    expect(docs("select * from Invoice where DocNumber like '100%' and TotalAmt < 100")).toEqual(['1003', '1005']);
    const names = (run("select * from Customer where DisplayName like 'a%'")['Customer'] as Json[]).map((c) => c['DisplayName']);
    expect(names).toEqual(['Acme Corp']);
    const email = run("select * from Customer where PrimaryEmailAddr = 'AP@acme.example'")['Customer'] as Json[];
    expect(email).toHaveLength(1);
  });

  it('compares MetaData times as instants in any offset', () => {
    expect(docs("select * from Invoice where MetaData.LastUpdatedTime >= '2024-06-03T17:00:00Z'")).toHaveLength(5);
    expect(docs("select * from Invoice where MetaData.LastUpdatedTime > '2024-06-03T10:00:00-07:00'")).toEqual([]);
    expect(docs("select * from Invoice where MetaData.CreateTime < '2024-06-04'")).toHaveLength(5);
  });

  it('orders, pages 1-based, caps MAXRESULTS at 1000 and defaults it to 100', () => {
    expect(docs('select * from Invoice orderby TotalAmt desc')).toEqual(['1001', '1004', '1002', '1005', '1003']);
    expect(docs('select * from Invoice orderby CustomerRef desc, TxnDate desc')).toEqual(['1005', '1004', '1003', '1002', '1001']);
    const page = run('select * from Invoice orderby DocNumber startposition 4 maxresults 2');
    expect(page).toMatchObject({ startPosition: 4, maxResults: 2 });
    expect((page['Invoice'] as Json[]).map((i) => i['DocNumber'])).toEqual(['1004', '1005']);
    expect(run('select * from Invoice startposition 6')).toEqual({});
    expect(run('select * from Invoice maxresults 5000')).toMatchObject({ maxResults: 5 });
  });

  it('caps a page at 1000 rows and defaults to 100', () => {
    const big = buildQboFixture();
    for (let i = 0; i < 1100; i++) big.store.createContact(big.realm, { name: `Customer ${String(i).padStart(4, '0')}` });
    const v = new QboView(big.ctx, big.realm);
    expect(runQuery(v, 'select * from Customer maxresults 5000').body.QueryResponse['maxResults']).toBe(1000);
    expect(runQuery(v, 'select * from Customer').body.QueryResponse['maxResults']).toBe(100);
    expect(runQuery(v, 'select count(*) from Customer').body.QueryResponse).toEqual({ totalCount: 1102 });
    const last = runQuery(v, 'select * from Customer startposition 1001 maxresults 1000').body.QueryResponse;
    expect(last).toMatchObject({ startPosition: 1001, maxResults: 102 });
  });

  it('counts, projects selected fields as sparse, and serves CompanyInfo and Preferences', () => {
    expect(run("select count(*) from Invoice where CustomerRef = '2'")).toEqual({ totalCount: 2 });
    const sparse = run("select DocNumber, Balance from Invoice where DocNumber = '1002'")['Invoice'] as Json[];
    expect(sparse).toEqual([{ DocNumber: '1002', Balance: 250.5, sparse: true, Id: fx.ids.inv2 }]);
    expect((run('select * from CompanyInfo')['CompanyInfo'] as Json[])[0]).toMatchObject({ CompanyName: 'Redwood Consulting' });
    expect((run('select * from Preferences')['Preferences'] as Json[])[0]).toHaveProperty('CurrencyPrefs');
    expect(run('select * from creditmemo')).toEqual({});
  });

  it('customers: active only unless Active is in the filter', () => {
    expect(run('select count(*) from Customer')).toEqual({ totalCount: 2 });
    expect(run('select count(*) from Customer where Active = false')).toEqual({ totalCount: 1 });
    expect(run('select count(*) from Customer where Active in (true, false)')).toEqual({ totalCount: 3 });
  });

  it.each([
    ['select * from Widget', 'unknown entity'],
    ["select * from Invoice where Colour = 'red'", 'unknown field'],
    ["select * from Invoice where PrivateNote = 'x'", 'not queryable'],
    ["select * from Invoice where TxnDate > 'yesterday'", 'bad date'],
    ["select * from Invoice where Balance > 'lots'", 'bad number'],
    ['select * from Invoice where TotalAmt like \'%1%\'', 'LIKE on a number'],
    ['select * from Invoice orderby Colour', 'unknown order field'],
    ['select Colour from Invoice', 'unknown selected field'],
    ['select * from Invoice maxresults 0', 'MAXRESULTS 0'],
  ])('%j → 4001 (%s)', (text) => {
    try {
      runQuery(view, text);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(QboFault);
      expect((e as QboFault).code).toBe('4001');
      expect((e as QboFault).status).toBe(400);
    }
  });
});

describe('query over HTTP', () => {
  const fx = buildQboFixture();
  let served: Served;
  beforeAll(async () => {
    served = await serveQbo(fx.ctx);
  });
  afterAll(() => served.close());

  it('answers GET and POST (application/text) queries with the QueryResponse envelope', async () => {
    const get = await query(served.baseUrl, fx.realm, fx.grant.accessToken, "select * from Invoice where DocNumber = '1001'");
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ QueryResponse: { Invoice: [{ DocNumber: '1001' }], startPosition: 1, maxResults: 1 }, time: expect.stringMatching(/-07:00$/) });
    const post = await raw(served.baseUrl, fx.realm, fx.grant.accessToken, 'POST', '/query?minorversion=75', 'select count(*) from Invoice', { 'Content-Type': 'application/text' });
    expect(post.body).toMatchObject({ QueryResponse: { totalCount: 5 } });
  });

  it('a malformed query is a 400 QueryParserError 4000 fault', async () => {
    const res = await query(served.baseUrl, fx.realm, fx.grant.accessToken, 'select * from Invoice where Id = null');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ Fault: { type: 'ValidationFault' } });
    const err = firstError(res.body);
    expect(err).toMatchObject({ Message: 'Error parsing query', code: '4000' });
    expect(err.Detail).toMatch(/^QueryParserError: Encountered .* at line 1, column 34\./);
    expect(err).not.toHaveProperty('element');
  });

  it('an unknown entity or field is a 400 ValidationFault naming it', async () => {
    const res = await query(served.baseUrl, fx.realm, fx.grant.accessToken, 'select * from Bill');
    expect(res.status).toBe(400);
    expect(firstError(res.body)).toMatchObject({ code: '4001', Detail: expect.stringContaining("'Bill'") });
  });
});
