import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppConfig, Environment, loadConfig } from '@app/config';
import {
  AnalysisEventName,
  OpinionUnavailableReason,
  SERVICE_VERSION,
  Signal,
  SocketEventName,
  TIMEFRAMES,
} from '@app/contracts';
import { httpServerOf, PROJECT_CONFIG_DIR } from '@app/testing';
import { asyncApiMessages, asyncApiProblems, resolvePointer } from '../../../../test/asyncapi-messages.js';
import { ConfluenceResultDto } from '../rest/response-dtos.js';
import {
  ASYNCAPI_PATH,
  type AsyncApiDocument,
  type AsyncApiSettings,
  buildAsyncApiDocument,
  serveAsyncApi,
} from './asyncapi.js';

/**
 * The AsyncAPI document of /signals, built as the gateway builds it (the REST schemas from a real
 * OpenAPI document): valid AsyncAPI 3.0, true to the shared vocabulary and to app.yaml, and
 * served as a plain public route. Real messages are checked against it in the socket e2e.
 */

@Module({})
class EmptyModule {}

const config = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } });

describe('the AsyncAPI document of /signals', () => {
  let app: NestFastifyApplication;
  let openApi: OpenAPIObject;

  const settingsWith = (overrides: Partial<AsyncApiSettings> = {}): AsyncApiSettings => ({
    version: SERVICE_VERSION,
    host: 'localhost:3000',
    socket: {
      maxSubscriptionsPerSocket: 7,
      maxConnectionsPerIp: 9,
      connectTimeoutMs: 6_000,
      messagesPerSecond: 4,
      pingIntervalMs: 25_000,
      pingTimeoutMs: 20_000,
      maxMessageBytes: 16_384,
    },
    socketsRequireKey: false,
    corsOrigins: ['https://app.example'],
    restSchemas: openApi.components?.schemas,
    ...overrides,
  });

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [EmptyModule],
      providers: [
        { provide: AppConfig, useValue: config.app },
        { provide: Environment, useValue: config.environment },
      ],
    }).compile();
    moduleRef.useLogger(false);
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    // What GET latest answers is in the real OpenAPI document; here only its schemas are needed.
    openApi = SwaggerModule.createDocument(app, new DocumentBuilder().build(), {
      extraModels: [ConfluenceResultDto],
    });
    serveAsyncApi(app, openApi);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it('is a valid AsyncAPI 3.0 document, with or without the API key requirement', () => {
    for (const socketsRequireKey of [false, true])
      expect(asyncApiProblems(buildAsyncApiDocument(settingsWith({ socketsRequireKey })))).toEqual([]);
  });

  it('finds what is wrong with a broken document (the structural check is not blind)', () => {
    const document = buildAsyncApiDocument(settingsWith());
    const broken = {
      ...document,
      asyncapi: '3.0.1',
      operations: {
        ...document.operations,
        subscribe: {
          ...document.operations.subscribe,
          action: 'publish',
          messages: [{ $ref: '#/channels/unsubscribe/messages/unsubscribe' }],
        },
        dangling: { action: 'send', channel: { $ref: '#/channels/nowhere' } },
      },
    } as unknown as AsyncApiDocument;
    const problems = asyncApiProblems(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        '/asyncapi: must be equal to constant',
        '/operations/subscribe/action: must be equal to one of the allowed values',
        '#/channels/nowhere: resolves to nothing',
        'operations.subscribe: #/channels/unsubscribe/messages/unsubscribe is not a message of #/channels/subscribe',
      ]),
    );
  });

  it('names the namespace, the event names and the operations of the gateway', () => {
    const document = buildAsyncApiDocument(settingsWith());
    expect(document.servers.gateway).toMatchObject({ host: '{host}', pathname: '/signals', protocol: 'ws' });
    expect(document.info.version).toBe(SERVICE_VERSION);
    const addresses = Object.fromEntries(
      Object.entries(document.channels).map(([id, channel]) => [id, channel.address]),
    );
    expect(addresses).toEqual({
      subscribe: SocketEventName.Subscribe,
      unsubscribe: SocketEventName.Unsubscribe,
      subscribeReply: null,
      unsubscribeReply: null,
      confluenceUpdated: AnalysisEventName.ConfluenceUpdated,
      signalChanged: AnalysisEventName.SignalChanged,
      llmOpinion: AnalysisEventName.LlmOpinion,
      serverShutdown: SocketEventName.ServerShutdown,
      connectError: null,
    });
    const actions = Object.entries(document.operations).map(([id, operation]) => [
      id,
      operation.action,
      operation.reply?.messages.map((message) => message.$ref.split('/').pop()) ?? null,
    ]);
    expect(actions).toEqual([
      ['subscribe', 'receive', ['subscribed', 'refused']],
      ['unsubscribe', 'receive', ['unsubscribed', 'refused']],
      ['confluenceUpdated', 'send', null],
      ['signalChanged', 'send', null],
      ['llmOpinion', 'send', null],
      ['serverShutdown', 'send', null],
      ['connectError', 'send', null],
    ]);
    const names = Object.values(document.components.messages).map((message) => message.name);
    expect(names).toEqual([
      'subscribe',
      'unsubscribe',
      'subscribed',
      'unsubscribed',
      'refused',
      'confluence.updated',
      'signal.changed',
      'llm.opinion',
      'server.shutdown',
      'connect_error',
    ]);
  });

  it('takes its enums from the shared vocabulary and its limits from app.yaml', () => {
    const document = buildAsyncApiDocument(settingsWith());
    const at = (pointer: string): unknown => resolvePointer(document, pointer);
    expect(at('#/components/schemas/SubscriptionRequest/properties/timeframe/enum')).toEqual(TIMEFRAMES);
    expect(at('#/components/schemas/LiveUpdate/properties/label/enum')).toEqual(Object.values(Signal));
    expect(at('#/components/schemas/LiveSignalChange/properties/from/enum')).toEqual([
      ...Object.values(Signal),
      null,
    ]);
    expect(at('#/components/schemas/LiveUpdate/required')).toHaveLength(18);
    expect(at('#/components/schemas/LiveLlmOpinion/properties/label/enum')).toEqual(Object.values(Signal));
    expect(
      at('#/components/schemas/LiveLlmOpinion/properties/opinion/oneOf/1/properties/reason/enum'),
    ).toEqual(Object.values(OpinionUnavailableReason));
    expect(at('#/components/schemas/SocketError/required')).toEqual(['code', 'message']);
    expect(at('#/components/schemas/ConnectError/properties/message/enum')).toEqual([
      'too many connections from this address (max 9)',
    ]);
    expect(document.info.description).toContain(
      'Limits per connection: 7 subscriptions; 4 subscribe/unsubscribe',
    );
    expect(document.info.description).toContain('bursts of up to 8');
    expect(document.info.description).toContain(
      'Per client address: 9 connections, counted from the Engine.IO handshake',
    );
    expect(document.info.description).toContain('joins no namespace within 6000 ms is closed');
    expect(String(at('#/components/schemas/SocketError/properties/code/description'))).toContain(
      'more than 7 subscriptions',
    );
    expect(document.servers.gateway?.description).toContain('https://app.example');
    // No key needed: no security requirement, and no refusal for one.
    expect(document.servers.gateway?.security).toBeUndefined();

    const keyed = buildAsyncApiDocument(settingsWith({ socketsRequireKey: true }));
    expect(keyed.servers.gateway?.security).toEqual([{ $ref: '#/components/securitySchemes/apiKey' }]);
    expect(keyed.components.securitySchemes.apiKey).toMatchObject({
      type: 'httpApiKey',
      name: 'X-API-Key',
      in: 'header',
    });
    expect(resolvePointer(keyed, '#/components/schemas/ConnectError/properties/message/enum')).toEqual([
      'unauthorized: a valid API key is required (auth.apiKey or X-API-Key)',
      'too many connections from this address (max 9)',
    ]);
  });

  it('describes the snapshot with the REST schemas of GET latest, converted to JSON Schema', () => {
    const { schemas } = buildAsyncApiDocument(settingsWith()).components;
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining([
        'ConfluenceResultDto',
        'ThresholdsDto',
        'TimeframeResultDto',
        'ComponentDto',
        'SubScoreDto',
        'EffectiveWeightsDto',
        'ReplayDto',
      ]),
    );
    expect(resolvePointer(schemas, '#/Subscribed/properties/snapshot/oneOf')).toEqual([
      { $ref: '#/components/schemas/ConfluenceResultDto' },
      { type: 'null' },
    ]);
    // OpenAPI's `nullable` became a null type (and value), which draft-07 validators understand.
    expect(resolvePointer(schemas, '#/ConfluenceResultDto/properties/source')).toMatchObject({
      type: ['string', 'null'],
      enum: ['live', 'replay', 'client', null],
    });
    expect(JSON.stringify(schemas)).not.toContain('"nullable"');
  });

  it('gives examples that are valid messages', () => {
    const document = buildAsyncApiDocument(settingsWith());
    const messages = asyncApiMessages(document);
    let examples = 0;
    for (const [id, message] of Object.entries(document.components.messages))
      for (const example of message.examples ?? []) {
        examples += 1;
        expect({ id, example: example.name, errors: messages.check(id, example.payload) }).toEqual({
          id,
          example: example.name,
          errors: null,
        });
      }
    expect(examples).toBe(14);
  });

  it(`serves it at ${ASYNCAPI_PATH}, cacheable, as the running configuration describes it`, async () => {
    const response = await request(httpServerOf(app)).get(ASYNCAPI_PATH).expect(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.body).toEqual(
      buildAsyncApiDocument({
        version: SERVICE_VERSION,
        host: `localhost:${config.environment.port ?? config.app.http.ports.apiGateway}`,
        socket: config.app.socket,
        socketsRequireKey: config.app.access.socketsRequireKey,
        corsOrigins: config.app.cors.origins,
        restSchemas: openApi.components?.schemas,
      }),
    );
  });
});
