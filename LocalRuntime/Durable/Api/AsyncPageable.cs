namespace Microsoft.DurableTask;

/// <summary>A page of results and the token that continues after it.</summary>
public sealed class Page<T>
    where T : notnull
{
    /// <summary>Creates a page.</summary>
    public Page(IReadOnlyList<T> values, string? continuationToken = null)
    {
        Values = values;
        ContinuationToken = continuationToken;
    }

    /// <summary>The values.</summary>
    public IReadOnlyList<T> Values { get; }

    /// <summary>Continues after this page; null on the last page.</summary>
    public string? ContinuationToken { get; }
}

/// <summary>An asynchronous sequence fetched page by page.</summary>
public abstract class AsyncPageable<T> : IAsyncEnumerable<T>
    where T : notnull
{
    /// <summary>Enumerates the pages from <paramref name="continuationToken"/> on.</summary>
    public abstract IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = default, int? pageSizeHint = default);

    /// <inheritdoc />
    public virtual async IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        await foreach (var page in AsPages().WithCancellation(cancellationToken))
        {
            foreach (var value in page.Values)
            {
                yield return value;
            }
        }
    }
}

/// <summary>Creates pageables.</summary>
public static class Pageable
{
    /// <summary>A pageable from a function that fetches one page.</summary>
    public static AsyncPageable<T> Create<T>(Func<string?, int?, CancellationToken, Task<Page<T>>> pageFunc)
        where T : notnull => new FuncAsyncPageable<T>(pageFunc);

    private sealed class FuncAsyncPageable<T>(Func<string?, int?, CancellationToken, Task<Page<T>>> pageFunc) : AsyncPageable<T>
        where T : notnull
    {
        public override IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null) =>
            Enumerate(continuationToken, pageSizeHint);

        private async IAsyncEnumerable<Page<T>> Enumerate(string? token, int? size, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation = default)
        {
            do
            {
                var page = await pageFunc(token, size, cancellation);
                yield return page;
                token = page.ContinuationToken;
            }
            while (!string.IsNullOrEmpty(token));
        }
    }
}
