"""Work funds (工作经费, seed 000) and the yearly self-evaluation report (绩效自评报告)."""
