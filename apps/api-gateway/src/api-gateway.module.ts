import { Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { PersistenceModule } from '@app/persistence';

/**
 * The public edge: REST, Socket.IO, rate limits, auth, docs. Its controllers and gateways are
 * wired here as they are built; rules live in libs.
 */
@Module({ imports: [PersistenceModule] })
export class ApiGatewayModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('api-gateway');

  constructor(private readonly app: AppConfig) {}

  onApplicationBootstrap(): void {
    const { cors, rateLimits } = this.app;
    this.logger.log(
      `CORS origins ${cors.origins.join(', ') || '(none)'}; rate limit ${rateLimits.default.limit} requests / ` +
        `${rateLimits.default.ttlSeconds} s (${Object.keys(rateLimits.routes).length} route overrides)`,
    );
  }
}
