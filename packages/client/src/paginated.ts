/** One page at a time or one item at a time, fetched as they are asked for. */
export class Paginated<Item, Page> implements AsyncIterable<Item> {
  constructor(
    private readonly fetchPage: (nextPage: string | null) => Promise<Page>,
    private readonly itemsOf: (page: Page) => Item[],
    private readonly nextPageOf: (page: Page) => string | undefined,
  ) {}

  /** Every page, following `nextPage` until the last. */
  async *pages(): AsyncGenerator<Page, void, undefined> {
    let next: string | null = null;
    do {
      const page: Page = await this.fetchPage(next);
      yield page;
      next = this.nextPageOf(page) ?? null;
    } while (next !== null);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Item, void, undefined> {
    for await (const page of this.pages()) yield* this.itemsOf(page);
  }

  /** The first page only. */
  firstPage(): Promise<Page> {
    return this.fetchPage(null);
  }

  /** Every item of every page, in one array. */
  async toArray(): Promise<Item[]> {
    const items: Item[] = [];
    for await (const item of this) items.push(item);
    return items;
  }
}
