using System.Globalization;

namespace EdgeCache.Replication.Changes;

/// <summary>
/// One segment file of a <see cref="FileChangeLog"/>, named by the first seq it holds, with a
/// sparse seq → offset index so a read need not scan the segment from its start.
/// </summary>
internal sealed class LogSegment
{
    /// <summary>Every this many seqs the index keeps an offset.</summary>
    public const int IndexStride = 64;

    private const string Extension = ".log";
    private readonly Lock _indexLock = new();
    private readonly List<(long Seq, long Offset)> _index = [];
    private long _length;

    public LogSegment(string directory, long firstSeq)
    {
        FirstSeq = firstSeq;
        Path = System.IO.Path.Combine(directory, FileName(firstSeq));
    }

    /// <summary>The first seq the segment holds (or would hold, while empty).</summary>
    public long FirstSeq { get; }

    public string Path { get; }

    /// <summary>Bytes of whole, durable batches: readers never look past this.</summary>
    public long Length
    {
        get => Volatile.Read(ref _length);
        set => Volatile.Write(ref _length, value);
    }

    public static string FileName(long firstSeq) => firstSeq.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    /// <summary>The first seq encoded in a segment file name, or null for other files.</summary>
    public static long? ParseFirstSeq(string path)
    {
        var name = System.IO.Path.GetFileName(path.AsSpan());
        if (name.Length != 20 + Extension.Length || !name.EndsWith(Extension, StringComparison.Ordinal))
        {
            return null;
        }

        return long.TryParse(name[..20], NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0 ? seq : null;
    }

    /// <summary>Remembers where <paramref name="seq"/> starts, if it falls on the index stride.</summary>
    public void Index(long seq, long offset)
    {
        if ((seq - FirstSeq) % IndexStride == 0)
        {
            lock (_indexLock)
            {
                _index.Add((seq, offset));
            }
        }
    }

    /// <summary>An offset at or before the record of <paramref name="seq"/>, at a record boundary.</summary>
    public long OffsetAtOrBefore(long seq)
    {
        lock (_indexLock)
        {
            var low = 0;
            var high = _index.Count - 1;
            var found = 0L;
            while (low <= high)
            {
                var mid = (low + high) >>> 1;
                if (_index[mid].Seq <= seq)
                {
                    found = _index[mid].Offset;
                    low = mid + 1;
                }
                else
                {
                    high = mid - 1;
                }
            }

            return found;
        }
    }
}
