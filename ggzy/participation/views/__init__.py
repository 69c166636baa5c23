"""Participation pages: public ones under /interaction/, staff ones under /manage/participation/."""
