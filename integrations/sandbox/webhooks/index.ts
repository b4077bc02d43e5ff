export {
  type IntentToReceiveResult,
  type QboWebhookFormat,
  type WebhookAttempt,
  type WebhookDelivery,
  WebhookDispatcher,
  type WebhookDispatcherOptions,
} from './dispatcher';
export { signBody, xeroEventDate } from './payloads';
