import { randomUUID } from 'node:crypto';
import type { NotificationsConfig } from '@app/config';
import type { Clock, LogSink } from '@app/contracts';
import type { AlertEvent } from './alert-event.js';
import { ChannelDispatcher, type ChannelStatus, type SharedDedupe } from './channel-dispatcher.js';
import { channelTarget } from './channels/channel-target.js';
import { type AlertTransport, httpTransport } from './channels/http-transport.js';
import { DeliveryLog, type DeliveryQuery, type DeliveryView } from './delivery-log.js';
import type { LabelChange, OpinionObservation, ResultObservation, StreamAge } from './observations.js';
import { AlertRuleEngine } from './rule-engine.js';

export interface AlertNotifierDeps {
  readonly clock: Clock;
  readonly logger: LogSink;
  /** A channel secret by the variable monitoring.yaml names (Environment.notificationSecrets). */
  readonly secretOf: (variable: string) => string | undefined;
  readonly transport?: AlertTransport;
  readonly random?: () => number;
  readonly newId?: () => string;
  readonly shared?: SharedDedupe;
}

export interface AlertsStatus {
  /** Alerts fired, by rule (each goes to every enabled channel its rule names). */
  readonly fired: Readonly<Record<string, number>>;
  readonly channels: readonly ChannelStatus[];
}

/**
 * The gateway's alerts: the rules (AlertRuleEngine) over what it hears, and one dispatcher per
 * enabled channel. Every method returns at once: nothing here waits for a channel, so a slow or
 * dead receiver never holds up the bus handlers that feed it. A rule's channels that are disabled
 * are skipped; with notifications off, nothing is evaluated.
 */
export class AlertNotifier {
  readonly #engine: AlertRuleEngine | null;
  readonly #channels: ReadonlyMap<string, ChannelDispatcher>;
  readonly #log: DeliveryLog;
  readonly #fired = new Map<string, number>();

  constructor(settings: NotificationsConfig, deps: AlertNotifierDeps) {
    this.#log = new DeliveryLog(settings.historySize);
    const enabled = settings.enabled ? settings.channels.filter((channel) => channel.enabled) : [];
    this.#channels = new Map(
      enabled.map((channel) => [
        channel.name,
        new ChannelDispatcher(channelTarget(channel, deps.secretOf), {
          clock: deps.clock,
          transport: deps.transport ?? httpTransport,
          log: this.#log,
          logger: deps.logger,
          random: deps.random ?? Math.random,
          newId: deps.newId ?? randomUUID,
          shared: deps.shared,
        }),
      ]),
    );
    this.#engine = settings.enabled
      ? new AlertRuleEngine(
          settings.rules,
          (event) => {
            this.#dispatch(event);
          },
          () => deps.clock.now(),
        )
      : null;
  }

  /** Whether anything is evaluated at all (notifications on). */
  get enabled(): boolean {
    return this.#engine !== null;
  }

  /** The enabled channels, for the boot log. */
  channelNames(): string[] {
    return [...this.#channels.keys()];
  }

  result(result: ResultObservation): void {
    this.#engine?.result(result);
  }

  labelChanged(change: LabelChange): void {
    this.#engine?.labelChanged(change);
  }

  opinion(opinion: OpinionObservation): void {
    this.#engine?.opinion(opinion);
  }

  freshness(ages: readonly StreamAge[]): void {
    this.#engine?.freshness(ages);
  }

  deliveries(query: DeliveryQuery): DeliveryView[] {
    return this.#log.list(query);
  }

  status(): AlertsStatus {
    return {
      fired: Object.fromEntries(this.#fired),
      channels: [...this.#channels.values()].map((channel) => channel.status()),
    };
  }

  /** Cuts short what is being sent and drops what waits (each recorded and counted). */
  async stop(): Promise<void> {
    await Promise.all([...this.#channels.values()].map((channel) => channel.stop()));
  }

  #dispatch(event: AlertEvent): void {
    this.#fired.set(event.rule, (this.#fired.get(event.rule) ?? 0) + 1);
    for (const name of event.channels) this.#channels.get(name)?.submit(event);
  }
}
