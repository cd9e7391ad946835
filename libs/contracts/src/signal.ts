export const Signal = {
  Long: 'LONG',
  Neutral: 'NEUTRAL',
  Short: 'SHORT',
} as const;

export type Signal = (typeof Signal)[keyof typeof Signal];
