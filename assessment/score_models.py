"""Township scores (考核得分, SPEC §8, seed 002 §六–§八): indicator tables, manual scores, appeals, results."""
