// How a duration reads in messages and progress lines: "0.5 s", "2 s", "600 s".

export function formatSeconds(ms: number): string {
    const seconds = ms / 1000;
    return `${seconds < 10 ? seconds.toFixed(1).replace(/\.0$/, "") : Math.round(seconds)} s`;
}
