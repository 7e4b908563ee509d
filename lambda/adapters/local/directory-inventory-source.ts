/** InventorySource over an inventory directory (`aws ec2 describe-* --output json` files). */
import type { Inventory } from '../../core/inventory/model.ts';
import type { InventorySource } from '../../ports.ts';
import { loadInventoryDir } from './inventory-dir.ts';

export class DirectoryInventorySource implements InventorySource {
  constructor(private readonly directory: string) {}

  async load(): Promise<{ inventory: Inventory; errors: string[] }> {
    return { inventory: await loadInventoryDir(this.directory), errors: [] };
  }
}
