/**
 * KuCoin request messages.
 *
 * @module
 */

export function subscribeMessage(topic: string, id: string): string {
  return JSON.stringify({ id, type: 'subscribe', topic, privateChannel: false, response: true });
}

export function unsubscribeMessage(topic: string, id: string): string {
  return JSON.stringify({ id, type: 'unsubscribe', topic, privateChannel: false, response: true });
}

export function pingMessage(id: string): string {
  return JSON.stringify({ id, type: 'ping' });
}
