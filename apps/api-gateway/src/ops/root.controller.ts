import { Controller, Get, Redirect } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';

/**
 * `GET /` sends a person who opens the gateway in a browser to the API docs (the dashboard will
 * take this place). Left out of the OpenAPI document, as /docs itself is: a page, not an API.
 */
@Controller()
export class RootController {
  @Get()
  @ApiExcludeEndpoint()
  @Redirect('/docs', 302)
  home(): void {
    // The redirect is the whole answer.
  }
}
