import { Controller, Get, NotFoundException, Redirect } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { AppConfig } from '@app/config';

/**
 * `GET /` sends a person who opens the gateway in a browser to the API docs (the dashboard will
 * take this place). Left out of the OpenAPI document, as /docs itself is: a page, not an API.
 * Without the docs (app.yaml `access.docs: false`) it is a 404 like /docs.
 */
@Controller()
export class RootController {
  constructor(private readonly app: AppConfig) {}

  @Get()
  @ApiExcludeEndpoint()
  @Redirect('/docs', 302)
  home(): void {
    if (!this.app.access.docs) throw new NotFoundException('Cannot GET /');
  }
}
