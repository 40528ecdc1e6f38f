/**
 * TA-Lib 0.6 (ta_utility.h TA_EPSILON) treats |v| < 1e-14 as zero: RSI outputs 0 when average gain
 * plus loss is below it, and a standard deviation is 0 when the variance is. Kept for agreement
 * with TA-Lib; it only bites for instruments priced far below 1e-6.
 */
export const TA_EPSILON = 1e-14;
