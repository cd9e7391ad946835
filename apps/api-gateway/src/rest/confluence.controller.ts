import { createHash } from 'node:crypto';
import { Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ANALYZE_CANDLES,
  AnalyzeRequestDto,
  candleBodyBounds,
  HistoryQueryDto,
  LatestQueryDto,
  ManyQueryDto,
  MarketParamsDto,
} from '@app/contracts/dto';
import { MarketBoard, OnDemandAnalysis, ResultQueries } from '@app/gateway';
import type { StoredResult } from '@app/persistence';
import { CandleBody } from '../http/candle-body.pipe.js';
import { Endpoint } from '../http/guards.js';
import type { HttpResponse } from '../http/http-types.js';
import { ApiErrors } from './api-errors.js';
import {
  AnalyzeResponseDto,
  ConfluenceResultDto,
  HistoryResponseDto,
  ManyResponseDto,
} from './response-dtos.js';

/** A stored result as REST shows it, serialised once: its source, bytes and ETag. */
interface Rendered {
  readonly source: string | null;
  /** ResultQueries.presentation when it was rendered: a refit of the probability maps renders it again. */
  readonly presentation: number;
  readonly body: Buffer;
  readonly etag: string;
}

/** `If-None-Match: "a", W/"b"` or `*` against our strong ETag. */
function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * The confluence REST endpoints. The rules are ResultQueries' and OnDemandAnalysis' (libs/gateway);
 * this class maps HTTP onto them and owns only what is HTTP: ETags, 304s and bytes on the wire.
 */
@ApiTags('confluence')
@ApiExtraModels(ConfluenceResultDto)
@Controller('v1/confluence')
export class ConfluenceController {
  readonly #rendered = new WeakMap<StoredResult, Rendered>();

  constructor(
    private readonly queries: ResultQueries,
    private readonly board: MarketBoard,
    private readonly onDemand: OnDemandAnalysis,
  ) {}

  @Get()
  @Endpoint('many')
  @ApiOperation({ summary: 'Latest results of many markets in one call' })
  @ApiOkResponse({
    type: ManyResponseDto,
    description: '`results` in the order asked; `null` where a market has no result yet',
  })
  @ApiErrors(404)
  async many(@Query() query: ManyQueryDto): Promise<{ results: (Record<string, unknown> | null)[] }> {
    const found = await this.queries.many(query.markets);
    return { results: found.map((result) => (result === null ? null : this.queries.present(result))) };
  }

  @Get(':exchange/:symbol')
  @Endpoint('latest')
  @ApiOperation({ summary: 'Latest result of a market (full shape)' })
  @ApiOkResponse({
    type: ConfluenceResultDto,
    description: 'the full result: scores, components, indicators, weights, reasoning',
  })
  @ApiErrors(404)
  async get(
    @Param() params: MarketParamsDto,
    @Query() query: LatestQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() response: HttpResponse,
  ): Promise<void> {
    const stream = await this.queries.stream(params.exchange, params.symbol, query.timeframe);
    const rendered = this.#render(await this.queries.latest(stream));
    response.header('ETag', rendered.etag);
    // A client polling an unchanged result gets a 304 without the body (weak comparison, RFC 9110).
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, rendered.etag)) {
      response.status(304).send();
      return;
    }
    response.header('Content-Type', 'application/json; charset=utf-8');
    response.send(rendered.body);
  }

  /**
   * The serialised answer of a cached result, made once per result object: the hot path of
   * `GET latest` sends bytes instead of stringifying and hashing 6 KB per request.
   */
  #render(result: StoredResult): Rendered {
    const source = this.board.sourceOf(result);
    const presentation = this.queries.presentation;
    const known = this.#rendered.get(result);
    if (known?.source === source && known.presentation === presentation) return known;
    const body = Buffer.from(JSON.stringify(this.queries.present(result)));
    const rendered = {
      source,
      presentation,
      body,
      etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
    };
    this.#rendered.set(result, rendered);
    return rendered;
  }

  @Get(':exchange/:symbol/history')
  @Endpoint('history')
  @ApiOperation({ summary: 'Past results of a market, newest first, by pages' })
  @ApiOkResponse({
    type: HistoryResponseDto,
    description: '`items` newest first; pass `nextCursor` as `cursor` for the next page',
  })
  @ApiErrors(404)
  async history(
    @Param() params: MarketParamsDto,
    @Query() query: HistoryQueryDto,
  ): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }> {
    const stream = await this.queries.stream(params.exchange, params.symbol, query.timeframe);
    const page = await this.queries.history(stream, query);
    return { items: page.items.map((result) => this.queries.present(result)), nextCursor: page.nextCursor };
  }

  @Post('analyze')
  @HttpCode(200)
  @Endpoint('analyze', { json: true, arrays: candleBodyBounds(ANALYZE_CANDLES) })
  @ApiOperation({ summary: 'Analyse candles the client sends; stored only with `store: true`' })
  @ApiOkResponse({ type: AnalyzeResponseDto, description: 'the full result (as GET latest), plus `stored`' })
  @ApiBody({ type: AnalyzeRequestDto })
  @ApiErrors(503)
  analyze(@CandleBody(ANALYZE_CANDLES) body: AnalyzeRequestDto): Promise<Record<string, unknown>> {
    return this.onDemand.analyzeAndStore(body);
  }
}
