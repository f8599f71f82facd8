// tests/clients/js/schemaregistry.mjs: the @confluentinc/schemaregistry
// JavaScript client (the version pinned in package.json and its lock file),
// unchanged, against a fresh `schemagate registry` at $SG_URL. Prints TAP.
//
// Started by tests/clients/schemaregistry-js.sh, which installs the package
// (tests/ui/setup-node.sh clients-js) and passes its folder as $SG_CLIENTS_JS
// (the folder whose node_modules holds it).
//
// Every read goes through a new client (no cache) unless said otherwise, so
// each check is an answer of the registry.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.SG_CLIENTS_JS, 'package.json'));
const sr = require('@confluentinc/schemaregistry');
const {
  SchemaRegistryClient, RestError, AvroSerializer, AvroDeserializer, SerdeType,
  HeaderSchemaIdSerializer, JsonSerializer, JsonDeserializer, SerializationError,
} = sr;
const base = process.env.SG_URL;

let n = 0;
let failed = 0;

function diag(lines) {
  for (const l of String(lines).split('\n')) console.log('#   ' + l);
}

// ok(cond, desc, ...diagnostics): one TAP line.
function ok(cond, desc, ...more) {
  n++;
  if (!cond) failed++;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${desc}`);
  if (!cond) for (const m of more) diag(typeof m === 'string' ? m : JSON.stringify(m));
  return cond;
}

// is(got, want, desc): deep equality.
function is(got, want, desc) {
  let same = true;
  try {
    assert.deepStrictEqual(got, want);
  } catch {
    same = false;
  }
  return ok(same, desc, `got:  ${JSON.stringify(got)}`, `want: ${JSON.stringify(want)}`);
}

// The deserializer answers avsc Record objects: compared as plain data.
const plain = (v) => (v == null ? v : JSON.parse(JSON.stringify(v)));

function describe(e) {
  if (e instanceof RestError) return `RestError status ${e.status} error_code ${e.errorCode}: ${e.message}`;
  return `${e && e.name}: ${e && e.message}`;
}

// attempt(desc, fn): fn's result; a thrown error is a failed check (and null).
async function attempt(desc, fn) {
  try {
    return await fn();
  } catch (e) {
    ok(false, desc, describe(e));
    return null;
  }
}

// refused(desc, fn, status, code): ok when fn throws a RestError with that
// HTTP status and error_code.
async function refused(desc, fn, status, code) {
  try {
    const r = await fn();
    return ok(false, desc, `no error; answered ${JSON.stringify(r)}`);
  } catch (e) {
    return ok(e instanceof RestError && e.status === status && e.errorCode === code, desc,
      `got:  ${describe(e)}`, `want: RestError status ${status} error_code ${code}`);
  }
}

// A client without caches of its own; no retries, so a status is seen at once.
function fresh() {
  return new SchemaRegistryClient({ baseURLs: [base], maxRetries: 0 });
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const ORDER_V1 = {
  type: 'record', name: 'Order', namespace: 'shop.v1',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'customer', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};
// v2 adds a field with a default: BACKWARD compatible with v1.
const ORDER_V2 = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'channel', type: 'string', default: 'web' }] };
// A field without a default: not BACKWARD compatible.
const ORDER_BAD = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'warehouse', type: 'string' }] };

const avro = (s) => ({ schemaType: 'AVRO', schema: JSON.stringify(s) });

const EVENT_V1 = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { id: { type: 'string' }, count: { type: 'integer' } },
  required: ['id'],
};
// The same with a description: compatible. `count` as a string: not.
const EVENT_DOC = { ...EVENT_V1, description: 'an event' };
const EVENT_BAD = { ...EVENT_V1, properties: { id: { type: 'string' }, count: { type: 'string' } } };
const json = (s) => ({ schemaType: 'JSON', schema: JSON.stringify(s) });

async function registerAndRead() {
  const subject = 'orders-value';
  const client = fresh();
  const id1 = await attempt('register (Avro)', () => client.register(subject, avro(ORDER_V1)));
  if (id1 == null) return {};
  ok(Number.isInteger(id1) && id1 > 0, 'register (Avro) answers a positive id', id1);
  is(await attempt('register again', () => fresh().register(subject, avro(ORDER_V1))), id1,
    'registering the same schema again answers the same id');

  const full = await attempt('registerFullResponse', () => fresh().registerFullResponse(subject, avro(ORDER_V1)));
  if (full) {
    ok(full.id === id1 && full.version === 1, 'registerFullResponse: id and version 1', full);
    ok(GUID_RE.test(full.guid || ''), 'registerFullResponse: a guid', full);
  }

  const info = await attempt('getBySubjectAndId', () => fresh().getBySubjectAndId(subject, id1));
  if (info) {
    is(JSON.parse(info.schema), ORDER_V1, 'getBySubjectAndId: the registered schema');
    is(info.schemaType, 'AVRO', 'getBySubjectAndId: schemaType AVRO (8.x writes it)');
  }
  is(await attempt('getId', () => fresh().getId(subject, avro(ORDER_V1))), id1, 'getId (lookup) finds the id');
  is(await attempt('getVersion', () => fresh().getVersion(subject, avro(ORDER_V1))), 1,
    'getVersion (lookup) finds version 1');
  const looked = await attempt('getIdFullResponse', () => fresh().getIdFullResponse(subject, avro(ORDER_V1)));
  if (looked) {
    ok(looked.id === id1 && looked.version === 1 && looked.subject === subject,
      'getIdFullResponse: id, version 1, subject', looked);
    ok(full && looked.guid === full.guid, 'getIdFullResponse: the same guid', looked, full);
  }
  await refused('getId of an unregistered schema: 404 40403',
    () => fresh().getId(subject, avro(ORDER_V2)), 404, 40403);

  const latest = await attempt('getLatestSchemaMetadata', () => fresh().getLatestSchemaMetadata(subject));
  if (latest) {
    ok(latest.id === id1 && latest.version === 1 && latest.subject === subject && latest.schemaType === 'AVRO',
      'getLatestSchemaMetadata: id, version 1, subject, schemaType', latest);
    ok(full && latest.guid === full.guid, 'getLatestSchemaMetadata: the guid', latest);
  }

  const id2 = await attempt('register v2', () => client.register(subject, avro(ORDER_V2)));
  ok(id2 != null && id2 !== id1, 'a second version gets a new id', id1, id2);
  is(await attempt('getAllVersions', () => fresh().getAllVersions(subject)), [1, 2], 'getAllVersions: [1, 2]');
  const m1 = await attempt('getSchemaMetadata(1)', () => fresh().getSchemaMetadata(subject, 1));
  ok(m1 && m1.id === id1 && m1.version === 1 && JSON.parse(m1.schema).fields.length === 6,
    'getSchemaMetadata(subject, 1): v1', m1);
  const m2 = await attempt('getSchemaMetadata(2)', () => fresh().getSchemaMetadata(subject, 2));
  ok(m2 && m2.id === id2 && m2.version === 2 && JSON.parse(m2.schema).fields.length === 7,
    'getSchemaMetadata(subject, 2): v2', m2);
  await refused('getSchemaMetadata of a missing version: 404 40402',
    () => fresh().getSchemaMetadata(subject, 9), 404, 40402);
  await refused('getLatestSchemaMetadata of an unknown subject: 404 40401',
    () => fresh().getLatestSchemaMetadata('nothing-value'), 404, 40401);

  // GUIDs: GET /schemas/guids/{guid}.
  if (full && full.guid) {
    const byGuid = await attempt('getByGuid', () => fresh().getByGuid(full.guid));
    if (byGuid) {
      is(JSON.parse(byGuid.schema), ORDER_V1, 'getByGuid: the registered schema');
      is(byGuid.schemaType, 'AVRO', 'getByGuid: schemaType AVRO');
    }
    await refused('getByGuid of an unknown guid: 404 40403',
      () => fresh().getByGuid('00000000-0000-4000-8000-000000000000'), 404, 40403);
  }

  // JSON Schema.
  const jsubject = 'events-value';
  const jid = await attempt('register (JSON Schema)', () => fresh().register(jsubject, json(EVENT_V1)));
  if (jid != null) {
    ok(Number.isInteger(jid) && jid !== id1 && jid !== id2, 'register (JSON Schema) answers a new id', jid);
    const jinfo = await attempt('getBySubjectAndId (JSON)', () => fresh().getBySubjectAndId(jsubject, jid));
    ok(jinfo && jinfo.schemaType === 'JSON' && JSON.stringify(JSON.parse(jinfo.schema)) === JSON.stringify(EVENT_V1),
      'getBySubjectAndId (JSON): schemaType JSON and the schema', jinfo);
    is(await attempt('getId (JSON)', () => fresh().getId(jsubject, json(EVENT_V1))), jid, 'getId (JSON) finds it');
    const jl = await attempt('getLatestSchemaMetadata (JSON)', () => fresh().getLatestSchemaMetadata(jsubject));
    ok(jl && jl.id === jid && jl.version === 1 && jl.schemaType === 'JSON',
      'getLatestSchemaMetadata (JSON): id, version 1, schemaType JSON', jl);
  }
  is(await attempt('getAllSubjects', () => fresh().getAllSubjects()), ['events-value', 'orders-value'],
    'getAllSubjects lists both subjects');
  return { id1, id2, jid, guid1: full && full.guid };
}

async function metadataLookups() {
  const subject = 'contracts-value';
  const client = fresh();
  const cfg = await attempt('updateConfig NONE', () => client.updateConfig(subject, { compatibility: 'NONE' }));
  is(cfg, { compatibility: 'NONE' }, 'updateConfig(subject, {compatibility: NONE}) answers the config');
  await attempt('register v1 without metadata', () => client.register(subject, { schema: '"int"' }));
  const v2 = await attempt('register v2 with metadata', () => client.registerFullResponse(subject, {
    schema: '"string"', metadata: { properties: { app: 'shop', owner: 'team-a' } },
  }));
  ok(v2 && v2.version === 2, 'register with metadata: version 2', v2);
  is(v2 && v2.metadata, { properties: { app: 'shop', owner: 'team-a' } }, 'register with metadata: answers it');
  await attempt('register v3 with metadata', () => client.register(subject, {
    schema: '"bytes"', metadata: { properties: { app: 'shop', owner: 'team-b' } },
  }));

  const a = await attempt('getLatestWithMetadata owner=team-a',
    () => fresh().getLatestWithMetadata(subject, { owner: 'team-a' }));
  ok(a && a.version === 2 && a.schema === '"string"' && a.subject === subject,
    'getLatestWithMetadata {owner: team-a}: version 2', a);
  is(a && a.metadata, { properties: { app: 'shop', owner: 'team-a' } },
    'getLatestWithMetadata: the version\'s metadata');
  ok(a && v2 && a.id === v2.id && a.guid === v2.guid, 'getLatestWithMetadata: its id and guid', a, v2);
  const b = await attempt('getLatestWithMetadata app=shop',
    () => fresh().getLatestWithMetadata(subject, { app: 'shop' }));
  ok(b && b.version === 3, 'getLatestWithMetadata {app: shop}: the newest, version 3', b);
  const ab = await attempt('getLatestWithMetadata two pairs',
    () => fresh().getLatestWithMetadata(subject, { app: 'shop', owner: 'team-a' }));
  ok(ab && ab.version === 2, 'getLatestWithMetadata {app: shop, owner: team-a}: version 2', ab);
  await refused('getLatestWithMetadata with no match: 404 40403',
    () => fresh().getLatestWithMetadata(subject, { owner: 'team-z' }), 404, 40403);
  await refused('getLatestWithMetadata of an unknown subject: 404 40401',
    () => fresh().getLatestWithMetadata('nothing-value', { owner: 'team-a' }), 404, 40401);

  // The serializer's useLatestWithMetadata picks that version too.
  const ser = new AvroSerializer(fresh(), SerdeType.VALUE, { useLatestWithMetadata: { owner: 'team-a' } });
  const bytes = await attempt('serialize with useLatestWithMetadata', () => ser.serialize('contracts', 'hello'));
  ok(bytes && v2 && bytes[0] === 0 && bytes.readInt32BE(1) === v2.id,
    'AvroSerializer useLatestWithMetadata {owner: team-a}: framed with version 2\'s id',
    bytes && bytes.toString('hex'), v2);
}

async function config() {
  const c = fresh();
  is(await attempt('updateDefaultCompatibility', () => c.updateDefaultCompatibility('FULL')), 'FULL',
    'updateDefaultCompatibility(FULL) answers FULL');
  is(await attempt('getDefaultCompatibility', () => c.getDefaultCompatibility()), 'FULL',
    'getDefaultCompatibility: FULL');
  is(await attempt('updateDefaultConfig', () => c.updateDefaultConfig({ compatibility: 'backward' })),
    { compatibility: 'BACKWARD' }, 'updateDefaultConfig({compatibility: backward}): upper-cased in the answer');
  is(await attempt('getDefaultConfig', () => c.getDefaultConfig()), { compatibilityLevel: 'BACKWARD' },
    'getDefaultConfig: compatibilityLevel BACKWARD');

  const subject = 'orders-value';
  await refused('getConfig of a subject without its own config: 404 40408',
    () => c.getConfig(subject), 404, 40408);
  is(await attempt('updateConfig', () => c.updateConfig(subject, { compatibility: 'forward' })),
    { compatibility: 'FORWARD' }, 'updateConfig(subject, {compatibility: forward}): upper-cased in the answer');
  is(await attempt('getCompatibility', () => c.getCompatibility(subject)), 'FORWARD',
    'getCompatibility(subject): FORWARD');
  is(await attempt('updateConfig normalize', () => c.updateConfig(subject, { normalize: true })),
    { compatibility: 'FORWARD', normalize: true }, 'updateConfig(subject, {normalize: true}): keeps the level');
  is(await attempt('getConfig', () => c.getConfig(subject)), { compatibilityLevel: 'FORWARD', normalize: true },
    'getConfig(subject): compatibilityLevel and normalize');
  is(await attempt('updateCompatibility', () => c.updateCompatibility(subject, 'BACKWARD')), 'BACKWARD',
    'updateCompatibility(subject, BACKWARD) answers BACKWARD');
  is(await attempt('getConfig after', () => c.getConfig(subject)), { compatibilityLevel: 'BACKWARD', normalize: true },
    'getConfig(subject) after updateCompatibility');
  await refused('updateConfig with an unknown level: 422 42203',
    () => c.updateConfig(subject, { compatibility: 'SIDEWAYS' }), 422, 42203);
}

async function compatibility() {
  const c = fresh();
  const subject = 'orders-value';
  is(await attempt('testSubjectCompatibility (compatible)',
    () => c.testSubjectCompatibility(subject, avro(ORDER_V2))), true,
  'testSubjectCompatibility: the latest itself is compatible');
  is(await attempt('testSubjectCompatibility (incompatible)',
    () => c.testSubjectCompatibility(subject, avro(ORDER_BAD))), false,
  'testSubjectCompatibility: a field without a default is not (BACKWARD)');
  is(await attempt('testCompatibility v1 (compatible)', () => c.testCompatibility(subject, 1, avro(ORDER_V2))), true,
    'testCompatibility(subject, 1): v2 against v1 is compatible');
  is(await attempt('testCompatibility v1 (incompatible)', () => c.testCompatibility(subject, 1, avro(ORDER_BAD))),
    false, 'testCompatibility(subject, 1): a field without a default is not');
  await refused('testCompatibility against a missing version: 404 40402',
    () => c.testCompatibility(subject, 9, avro(ORDER_V2)), 404, 40402);
  await refused('register an incompatible schema: 409',
    () => c.register(subject, avro(ORDER_BAD)), 409, 409);

  const jsubject = 'events-value';
  is(await attempt('testSubjectCompatibility (JSON, compatible)',
    () => c.testSubjectCompatibility(jsubject, json(EVENT_DOC))), true,
  'testSubjectCompatibility (JSON): a description added is compatible');
  is(await attempt('testSubjectCompatibility (JSON, incompatible)',
    () => c.testSubjectCompatibility(jsubject, json(EVENT_BAD))), false,
  'testSubjectCompatibility (JSON): a property\'s type changed is not');
}

async function serde(ids) {
  const c = fresh();
  // Auto-registration: the serializer derives an Avro schema from the value
  // and registers it under payments-value.
  const value = { id: 7, customer: 'ada', amount: 12.5, paid: true };
  const ser = new AvroSerializer(c, SerdeType.VALUE, { autoRegisterSchemas: true });
  const bytes = await attempt('AvroSerializer auto-register', () => ser.serialize('payments', value));
  if (!bytes) return;
  const latest = await attempt('the auto-registered schema', () => fresh().getLatestSchemaMetadata('payments-value'));
  ok(latest && bytes[0] === 0 && bytes.readInt32BE(1) === latest.id && latest.version === 1,
    'AvroSerializer autoRegisterSchemas: registers payments-value v1, frames its id', bytes.toString('hex'), latest);
  is(latest && JSON.parse(latest.schema).fields.map((f) => f.name), ['id', 'customer', 'amount', 'paid'],
    'the auto-registered schema is the one derived from the value');
  const des = new AvroDeserializer(fresh(), SerdeType.VALUE, {});
  is(plain(await attempt('AvroDeserializer', () => des.deserialize('payments', bytes))), value,
    'AvroDeserializer reads the record back (schema by id from the registry)');

  // The latest version of a subject registered above.
  const order = { id: 1, customer: 'ada', amount: 9.99, status: 'PAID', tags: ['a'], note: null, channel: 'app' };
  const ser2 = new AvroSerializer(fresh(), SerdeType.VALUE, { autoRegisterSchemas: false, useLatestVersion: true });
  const b2 = await attempt('AvroSerializer useLatestVersion', () => ser2.serialize('orders', order));
  ok(b2 && b2[0] === 0 && b2.readInt32BE(1) === ids.id2, 'AvroSerializer useLatestVersion: framed with v2\'s id',
    b2 && b2.toString('hex'), ids);
  if (b2) {
    is(plain(await attempt('AvroDeserializer (orders)', () => new AvroDeserializer(fresh(), SerdeType.VALUE, {})
      .deserialize('orders', b2))), order, 'AvroDeserializer reads the order back');
  }

  // The schema GUID in a header (Confluent 8): the serializer writes magic
  // byte 1 and the guid the registry answered; the deserializer fetches the
  // schema by guid.
  const headers = {};
  const ser3 = new AvroSerializer(fresh(), SerdeType.VALUE,
    { autoRegisterSchemas: true, schemaIdSerializer: HeaderSchemaIdSerializer });
  const b3 = await attempt('AvroSerializer with the guid in a header', () => ser3.serialize('payments', value, headers));
  const h = headers.__value_schema_id;
  const guidHex = latest && latest.guid ? latest.guid.replace(/-/g, '') : '';
  ok(b3 && h && h.length === 17 && h[0] === 1 && h.subarray(1).toString('hex') === guidHex,
    'HeaderSchemaIdSerializer: header __value_schema_id is magic 1 and the registry\'s guid',
    h && h.toString('hex'), guidHex);
  if (b3) {
    is(plain(await attempt('AvroDeserializer by guid', () => new AvroDeserializer(fresh(), SerdeType.VALUE, {})
      .deserialize('payments', b3, headers))), value, 'AvroDeserializer reads it back by guid');
  }
}

// The JSON Schema serde: the serializer frames the latest version's id and,
// with validate, checks the record against the schema (with ajv, on the
// client side) before it writes anything.
async function jsonSerde(ids) {
  const record = { id: 'e-1', count: 3 };
  const ser = new JsonSerializer(fresh(), SerdeType.VALUE,
    { autoRegisterSchemas: false, useLatestVersion: true, validate: true });
  const bytes = await attempt('JsonSerializer useLatestVersion', () => ser.serialize('events', record));
  ok(bytes && bytes[0] === 0 && bytes.readInt32BE(1) === ids.jid,
    'JsonSerializer useLatestVersion: magic byte 0 and the id of events-value v1', bytes && bytes.toString('hex'), ids);
  is(bytes && JSON.parse(bytes.subarray(5).toString()), record, 'JsonSerializer: the payload is the record as JSON');
  if (bytes) {
    const des = new JsonDeserializer(fresh(), SerdeType.VALUE, { validate: true });
    is(await attempt('JsonDeserializer', () => des.deserialize('events', bytes)), record,
      'JsonDeserializer reads the record back (schema by id from the registry)');
  }
  const bad = { count: 'three' }; // no "id", and "count" is not an integer
  try {
    const b = await ser.serialize('events', bad);
    ok(false, 'JsonSerializer with validate refuses a record that does not conform', `wrote ${b.toString('hex')}`);
  } catch (e) {
    ok(e instanceof SerializationError && /validation|required|must/i.test(e.message),
      'JsonSerializer with validate refuses a record that does not conform', describe(e));
  }
}

// Subject aliases: updateConfig with "alias" (ServerConfig.alias), then the
// alias acts as its target (Confluent 8.1's AliasFilter).
async function aliases(ids) {
  const c = fresh();
  is(await attempt('updateConfig alias', () => c.updateConfig('ev-value', { alias: 'events-value' })),
    { alias: 'events-value' }, 'updateConfig(ev-value, {alias: events-value}) answers the config');
  // Confluent fills in the level a subject's config lacks with the
  // registry's default (InMemoryCache.populateCompatibilityLevel).
  is(await attempt('getConfig alias', () => fresh().getConfig('ev-value')),
    { alias: 'events-value', compatibilityLevel: 'BACKWARD' }, 'getConfig(ev-value): the alias, the default level');
  const latest = await attempt('getLatestSchemaMetadata through the alias',
    () => fresh().getLatestSchemaMetadata('ev-value'));
  ok(latest && latest.subject === 'events-value' && latest.version === 1 && latest.id === ids.jid,
    'getLatestSchemaMetadata(ev-value): the target\'s version 1', latest, ids);
  is(await attempt('getId through the alias', () => fresh().getId('ev-value', json(EVENT_V1))), ids.jid,
    'getId(ev-value, schema): the target\'s id');
  is(await attempt('getAllVersions through the alias', () => fresh().getAllVersions('ev-value')), [1],
    'getAllVersions(ev-value): the target\'s versions');
  const ser = new JsonSerializer(fresh(), SerdeType.VALUE, { autoRegisterSchemas: false, useLatestVersion: true });
  const bytes = await attempt('JsonSerializer on the alias subject', () => ser.serialize('ev', { id: 'e-2' }));
  ok(bytes && bytes[0] === 0 && bytes.readInt32BE(1) === ids.jid,
    'JsonSerializer on topic ev (subject ev-value, an alias): framed with the target\'s id',
    bytes && bytes.toString('hex'), ids);
}

// Associations (the client's getAssociationsByResourceName and friends) are
// not in Confluent's open-source 8.1 registry (no /associations resource in
// v8.1.0): Jersey answers such a path 404, error_code 404, as this does.
async function associations() {
  await refused('getAssociationsByResourceName: 404 404, as open-source 8.1 (no /associations)',
    () => fresh().getAssociationsByResourceName('orders', 'lkc-1', 'topic', ['value'], null, 0, -1), 404, 404);
}

async function deletes(ids) {
  const c = fresh();
  const subject = 'orders-value';
  is(await attempt('deleteSubjectVersion soft', () => c.deleteSubjectVersion(subject, 2)), 2,
    'deleteSubjectVersion(subject, 2) soft answers 2');
  is(await attempt('getAllVersions after', () => fresh().getAllVersions(subject)), [1],
    'getAllVersions after a soft delete: [1]');
  const del = await attempt('getSchemaMetadata deleted', () => fresh().getSchemaMetadata(subject, 2, true));
  ok(del && del.id === ids.id2 && del.version === 2, 'getSchemaMetadata(subject, 2, deleted=true) still finds it', del);
  await refused('getSchemaMetadata of the soft-deleted version without deleted: 404 40402',
    () => fresh().getSchemaMetadata(subject, 2), 404, 40402);
  is(await attempt('getVersion deleted', () => fresh().getVersion(subject, avro(ORDER_V2), false, true)), 2,
    'getVersion(subject, v2, deleted=true) finds the soft-deleted version');
  await refused('getVersion of the soft-deleted version without deleted: 404 40403',
    () => fresh().getVersion(subject, avro(ORDER_V2)), 404, 40403);
  is(await attempt('deleteSubjectVersion permanent', () => c.deleteSubjectVersion(subject, 2, true)), 2,
    'deleteSubjectVersion(subject, 2, permanent) answers 2');
  await refused('getSchemaMetadata(deleted=true) after a permanent delete: 404 40402',
    () => fresh().getSchemaMetadata(subject, 2, true), 404, 40402);

  // getLatestWithMetadata skips a soft-deleted version unless asked.
  is(await attempt('deleteSubjectVersion contracts 3', () => c.deleteSubjectVersion('contracts-value', 3)), 3,
    'deleteSubjectVersion(contracts-value, 3) soft answers 3');
  await refused('getLatestWithMetadata of a soft-deleted version: 404 40403',
    () => fresh().getLatestWithMetadata('contracts-value', { owner: 'team-b' }), 404, 40403);
  const gone = await attempt('getLatestWithMetadata deleted',
    () => fresh().getLatestWithMetadata('contracts-value', { owner: 'team-b' }, true));
  ok(gone && gone.version === 3 && gone.schema === '"bytes"',
    'getLatestWithMetadata(..., deleted=true) finds the soft-deleted version 3', gone);
  await refused('deleteSubject permanent before soft: 404 40405',
    () => c.deleteSubject('contracts-value', true), 404, 40405);
  is(await attempt('deleteSubject soft', () => c.deleteSubject('events-value')), [1],
    'deleteSubject(events-value) soft answers [1]');
  is(await attempt('getAllSubjects after', () => fresh().getAllSubjects()),
    ['contracts-value', 'orders-value', 'payments-value'], 'getAllSubjects leaves out the soft-deleted subject');
  is(await attempt('deleteSubject permanent', () => c.deleteSubject('events-value', true)), [1],
    'deleteSubject(events-value, permanent) answers [1]');
  await refused('getLatestSchemaMetadata of the deleted subject: 404 40401',
    () => fresh().getLatestSchemaMetadata('events-value'), 404, 40401);
}

async function main() {
  const ids = await registerAndRead();
  if (ids.id1 == null) {
    console.log('Bail out! the client could not register a schema');
    process.exit(1);
  }
  await metadataLookups();
  await config();
  await compatibility();
  await serde(ids);
  await jsonSerde(ids);
  await aliases(ids);
  await associations();
  await deletes(ids);
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`Bail out! ${describe(e)}`);
  diag(e && e.stack);
  process.exit(1);
});
