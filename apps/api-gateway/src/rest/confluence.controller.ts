import { createHash } from 'node:crypto';
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Logger,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Clock, errorMessage, isTimeframe, type Timeframe } from '@app/contracts';
import {
  AnalyzeRequestDto,
  HistoryQueryDto,
  LatestQueryDto,
  ManyQueryDto,
  MarketParamsDto,
  MAX_MARKETS_PER_CALL,
  normalizeSymbol,
} from '@app/contracts/dto';
import { LatestResults, MarketBoard, OnDemandAnalysis, type StreamRef } from '@app/gateway';
import { ResultRepository, type StoredResult, storedResult } from '@app/persistence';
import { Endpoint } from '../http/guards.js';
import type { HttpResponse } from '../http/http-types.js';
import { resolveStream } from './market-streams.js';

const DEFAULT_PAGE = 100;

/** A stored result as REST shows it: the full breakdown plus where its data came from. */
interface Rendered {
  readonly source: string | null;
  readonly body: Buffer;
  readonly etag: string;
}

/** `If-None-Match: "a", W/"b"` or `*` against our strong ETag. */
function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function present(result: StoredResult, board: MarketBoard): Record<string, unknown> {
  return { ...result.breakdown, source: board.sourceOf(result) };
}

@ApiTags('confluence')
@Controller('v1/confluence')
export class ConfluenceController {
  readonly #logger = new Logger('api-gateway');
  readonly #rendered = new WeakMap<StoredResult, Rendered>();

  constructor(
    private readonly board: MarketBoard,
    private readonly latest: LatestResults,
    private readonly results: ResultRepository,
    private readonly onDemand: OnDemandAnalysis,
    private readonly clock: Clock,
  ) {}

  @Get()
  @Endpoint('many')
  @ApiOperation({ summary: 'Latest results of many markets in one call' })
  @ApiOkResponse({ description: '`results` in the order asked; `null` where a market has no result yet' })
  async many(@Query() query: ManyQueryDto): Promise<{ results: (Record<string, unknown> | null)[] }> {
    const entries = query.markets.split(',');
    if (entries.length > MAX_MARKETS_PER_CALL)
      throw new BadRequestException({
        message: 'too many markets',
        errors: [{ field: 'markets', message: `must name at most ${MAX_MARKETS_PER_CALL} markets` }],
      });
    const parsed = entries.map((entry, index) => {
      const [exchange = '', symbol = '', timeframe, ...rest] = entry.trim().split(':');
      if (
        exchange === '' ||
        symbol === '' ||
        rest.length > 0 ||
        (timeframe !== undefined && !isTimeframe(timeframe))
      )
        throw new BadRequestException({
          message: 'invalid input: markets',
          errors: [
            {
              field: `markets[${index}]`,
              message: `"${entry.slice(0, 60)}" is not exchange:symbol[:timeframe]`,
            },
          ],
        });
      return { exchange, symbol, timeframe };
    });
    const streams: StreamRef[] = await Promise.all(
      parsed.map(({ exchange, symbol, timeframe }) =>
        resolveStream(this.board, this.latest, exchange, symbol, timeframe),
      ),
    );
    const found = await this.latest.getMany(streams);
    return { results: found.map((result) => (result === null ? null : present(result, this.board))) };
  }

  @Get(':exchange/:symbol')
  @Endpoint('latest')
  @ApiOperation({ summary: 'Latest result of a market (full shape)' })
  @ApiOkResponse({ description: 'the full result: scores, components, indicators, weights, reasoning' })
  async get(
    @Param() params: MarketParamsDto,
    @Query() query: LatestQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() response: HttpResponse,
  ): Promise<void> {
    const stream = await this.#stream(params, query.timeframe);
    const result = await this.latest.get(stream);
    if (result === null)
      throw new NotFoundException(
        `no result yet for ${stream.exchange} ${stream.symbol} ${stream.timeframe} (warming up)`,
      );
    const rendered = this.#render(result);
    response.header('ETag', rendered.etag);
    // A client polling an unchanged result gets a 304 without the body (weak comparison, RFC 9110).
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, rendered.etag)) {
      response.status(304).send();
      return;
    }
    response.header('Content-Type', 'application/json; charset=utf-8');
    response.send(rendered.body);
  }

  #stream(params: MarketParamsDto, timeframe: Timeframe | undefined): Promise<StreamRef> {
    return resolveStream(this.board, this.latest, params.exchange, params.symbol, timeframe);
  }

  /**
   * The serialised answer of a cached result, made once per result object: the hot path of
   * `GET latest` sends bytes instead of stringifying and hashing 6 KB per request.
   */
  #render(result: StoredResult): Rendered {
    const source = this.board.sourceOf(result);
    const known = this.#rendered.get(result);
    if (known?.source === source) return known;
    const body = Buffer.from(JSON.stringify(present(result, this.board)));
    const rendered = { source, body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
    this.#rendered.set(result, rendered);
    return rendered;
  }

  @Get(':exchange/:symbol/history')
  @Endpoint('history')
  @ApiOperation({ summary: 'Past results of a market, newest first, by pages' })
  @ApiOkResponse({ description: '`items` newest first; pass `nextCursor` as `cursor` for the next page' })
  async history(
    @Param() params: MarketParamsDto,
    @Query() query: HistoryQueryDto,
  ): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }> {
    const stream = await this.#stream(params, query.timeframe);
    if (query.from !== undefined && query.to !== undefined && query.from > query.to)
      throw new BadRequestException({
        message: 'invalid input: from',
        errors: [{ field: 'from', message: 'must be ≤ to' }],
      });
    // A malformed cursor is the store's StoreInputError: the errors filter makes it a 400.
    const page = await this.results.history({
      market: stream,
      limit: query.limit ?? DEFAULT_PAGE,
      ...(query.from === undefined ? {} : { from: query.from }),
      ...(query.to === undefined ? {} : { to: query.to }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    });
    return { items: page.items.map((result) => present(result, this.board)), nextCursor: page.nextCursor };
  }

  @Post('analyze')
  @HttpCode(200)
  @Endpoint('analyze', { json: true })
  @ApiOperation({ summary: 'Analyse candles the client sends; stored only with `store: true`' })
  @ApiOkResponse({ description: 'the full result (as GET latest), plus `stored`' })
  async analyze(@Body() body: AnalyzeRequestDto): Promise<Record<string, unknown>> {
    const exchange = body.exchange ?? 'custom';
    const symbol = normalizeSymbol(body.symbol);
    const outcome = this.onDemand.analyze({
      exchange,
      symbol,
      candles: body.candles,
      ...(body.orderBook === undefined ? {} : { orderBook: body.orderBook }),
      ...(body.trades === undefined ? {} : { trades: body.trades }),
      ...(body.derivatives === undefined ? {} : { derivatives: body.derivatives }),
    });
    if (!outcome.ok)
      throw new BadRequestException({
        message: `invalid input: ${outcome.issues.map((i) => i.field).join(', ')}`,
        errors: outcome.issues,
      });
    if (body.store !== true) return { ...outcome.full, source: 'client', stored: false };
    if (this.board.knows(outcome.result))
      throw new BadRequestException({
        message: 'invalid input: store',
        errors: [
          {
            field: 'store',
            message: `${exchange} ${symbol} ${outcome.result.timeframe} is tracked by the service; its history holds only the service's own results (use another exchange name)`,
          },
        ],
      });
    try {
      await this.results.save(storedResult(outcome.result, outcome.full), this.clock.now());
    } catch (error) {
      // The client is told the result was not stored; the operator is told why.
      this.#logger.warn(
        `POST analyze: storing ${exchange} ${symbol} ${outcome.result.timeframe} failed: ${errorMessage(error)}`,
      );
      throw new ServiceUnavailableException(
        'the store is unavailable: the result was computed but not stored',
      );
    }
    return { ...outcome.full, source: 'client', stored: true };
  }
}
