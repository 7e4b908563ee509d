/**
 * Discover: the network configuration of the fleet, from the inventory source (EC2 API or a directory).
 * The one step a run cannot do without; its failure still leaves the run its metrics.
 */
import { type Inventory, type InventoryIndex, indexInventory } from '../core/inventory/model.ts';
import type { InventorySource } from '../ports.ts';
import { errorMessage } from './error-message.ts';

export type Discovered =
  | { readonly inventory: Inventory; readonly index: InventoryIndex; readonly errors: string[] }
  | { readonly inventory?: undefined; readonly index?: undefined; readonly errors: string[] };

/** The inventory and its index; the parts that could not be read (one VPC, one call) are in `errors`. */
export async function discover(source: InventorySource): Promise<Discovered> {
  try {
    const { inventory, errors } = await source.load();
    return {
      inventory,
      index: indexInventory(inventory),
      errors: errors.map((e) => `discover: ${e}`),
    };
  } catch (error) {
    return { errors: [`discover: ${errorMessage(error)}`] };
  }
}
